"""The challenges API: creating, moving through the workflow, linking concerns, evidence."""

import pytest
from django.contrib.gis.geos import Point

from civic import services, workflow
from civic.models import Challenge, ChallengeConcern, Concern, WorkflowEvent
from tests.civic.conftest import geojson_square
from tests.factories import CENTRE, ChallengeFactory, ConcernFactory, evidence_row

URL = "/api/v1/challenges/"
POLYGON = geojson_square()


def _ids(response) -> list[int]:
    return [feature["id"] for feature in response.json()["features"]]


@pytest.fixture
def officer_api(api_as, officer):
    return api_as("officer")


@pytest.fixture
def challenge(officer, heat, neighbourhood):
    return services.challenge_create(actor=officer, title="Hot square", theme=heat)


def _published(theme, **extra) -> Concern:
    return ConcernFactory(
        theme=theme,
        location=Point(*CENTRE, srid=4326),
        status=extra.pop("status", Concern.Status.PUBLISHED),
        **extra,
    )


# ------------------------------------------------------------------ creating


def test_officer_creates_a_draft_challenge_from_a_polygon(
    officer_api, officer, heat, neighbourhood
):
    response = officer_api.post(
        URL,
        {
            "title": "  Shade on the square  ",
            "description": "Too few trees.",
            "theme": "heat",
            "geometry": POLYGON,
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert body["type"] == "Feature"
    assert body["geometry"]["type"] == "MultiPolygon"
    [[ring]] = body["geometry"]["coordinates"]
    assert [pytest.approx(xy) for xy in ring] == POLYGON["coordinates"][0]
    props = body["properties"]
    assert (props["title"], props["status"], props["theme"]) == (
        "Shade on the square",
        "draft",
        "heat",
    )
    assert props["area"] == "BU01930001"
    assert (props["concerns"], props["concern_count"], props["evidence"]) == ([], 0, [])
    assert sorted(props["allowed_transitions"]) == ["closed", "open"]
    challenge = Challenge.objects.get(pk=body["id"])
    assert challenge.owner == officer
    assert [(e.from_state, e.to_state) for e in WorkflowEvent.objects.all()] == [("", "draft")]


def test_a_challenge_may_have_no_geometry(officer_api, heat):
    response = officer_api.post(URL, {"title": "Heat in general", "theme": "heat"}, format="json")

    assert response.status_code == 201
    assert response.json()["geometry"] is None
    assert response.json()["properties"]["area"] is None


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"title": ""}, "title"),
        ({"title": "   "}, "title"),
        ({"theme": "volcanoes"}, "theme"),
        (
            {"geometry": {"type": "LineString", "coordinates": [[6.06, 52.528], [6.07, 52.53]]}},
            "geometry",
        ),
        ({"geometry": {"type": "Point", "coordinates": [6.06, 52.528]}}, "geometry"),
    ],
    ids=["empty-title", "blank-title", "unknown-theme", "line", "point"],
)
def test_bad_challenge_input_names_the_field_and_writes_nothing(officer_api, heat, change, field):
    response = officer_api.post(
        URL, {"title": "Shade", "theme": "heat", "geometry": POLYGON, **change}, format="json"
    )

    assert response.status_code == 400
    assert field in response.json()
    assert not Challenge.objects.exists()
    assert not WorkflowEvent.objects.exists()


# ------------------------------------------------------------------ workflow


def test_officer_opens_and_prioritises_a_challenge(officer_api, challenge):
    opened = officer_api.post(f"{URL}{challenge.pk}/transition/", {"to": "open"}, format="json")
    prioritised = officer_api.post(
        f"{URL}{challenge.pk}/transition/", {"to": "prioritised"}, format="json"
    )

    assert opened.status_code == 200
    assert opened.json()["properties"]["status"] == "open"
    assert prioritised.status_code == 200
    assert prioritised.json()["properties"]["status"] == "prioritised"
    assert sorted(prioritised.json()["properties"]["allowed_transitions"]) == ["closed", "open"]
    challenge.refresh_from_db()
    assert challenge.status == "prioritised"
    assert list(
        WorkflowEvent.objects.filter(object_id=challenge.pk).values_list("from_state", "to_state")
    ) == [("", "draft"), ("draft", "open"), ("open", "prioritised")]


def test_skipping_a_step_names_the_allowed_states(officer_api, challenge):
    response = officer_api.post(
        f"{URL}{challenge.pk}/transition/", {"to": "prioritised"}, format="json"
    )

    assert response.status_code == 400
    assert sorted(response.json()["allowed"]) == ["closed", "open"]
    assert "to" in response.json()
    challenge.refresh_from_db()
    assert challenge.status == "draft"


def test_closing_a_challenge_needs_a_note(officer_api, challenge):
    refused = officer_api.post(f"{URL}{challenge.pk}/transition/", {"to": "closed"}, format="json")
    closed = officer_api.post(
        f"{URL}{challenge.pk}/transition/", {"to": "closed", "note": "Merged"}, format="json"
    )

    assert refused.status_code == 400
    assert "note" in refused.json()
    assert closed.status_code == 200
    assert closed.json()["properties"]["status"] == "closed"


# ------------------------------------------------------------------ linking


def test_linking_published_concerns(officer_api, challenge, heat):
    first, second = _published(heat), _published(heat)
    events = WorkflowEvent.objects.count()

    response = officer_api.post(
        f"{URL}{challenge.pk}/link-concerns/",
        {"concerns": [first.pk, second.pk, first.pk]},
        format="json",
    )

    assert response.status_code == 200
    props = response.json()["properties"]
    assert sorted(props["concerns"]) == sorted([first.pk, second.pk])
    assert props["concern_count"] == 2
    for concern in (first, second):
        concern.refresh_from_db()
        assert concern.status == "linked"
    assert WorkflowEvent.objects.count() == events + 2
    detail = officer_api.get(f"{URL}{challenge.pk}/").json()["properties"]
    assert sorted(detail["concerns"]) == sorted([first.pk, second.pk])


def test_linking_twice_changes_nothing(officer_api, challenge, heat):
    concern = _published(heat)
    url = f"{URL}{challenge.pk}/link-concerns/"
    officer_api.post(url, {"concerns": [concern.pk]}, format="json")
    events = WorkflowEvent.objects.count()

    response = officer_api.post(url, {"concerns": [concern.pk]}, format="json")

    assert response.status_code == 200
    assert response.json()["properties"]["concern_count"] == 1
    assert WorkflowEvent.objects.count() == events


def test_a_closed_concern_can_be_linked_and_stays_closed(officer_api, challenge, heat):
    concern = _published(heat, status=Concern.Status.CLOSED, outcome="addressed")

    response = officer_api.post(
        f"{URL}{challenge.pk}/link-concerns/", {"concerns": [concern.pk]}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["properties"]["concerns"] == [concern.pk]
    concern.refresh_from_db()
    assert concern.status == "closed"


@pytest.mark.parametrize("status", [Concern.Status.SUBMITTED, Concern.Status.REJECTED])
def test_linking_an_unpublished_concern_is_refused_and_writes_nothing(
    officer_api, challenge, heat, status
):
    good = _published(heat)
    hidden = _published(heat, status=status)
    events = WorkflowEvent.objects.count()

    response = officer_api.post(
        f"{URL}{challenge.pk}/link-concerns/", {"concerns": [good.pk, hidden.pk]}, format="json"
    )

    assert response.status_code == 400
    assert f"#{hidden.pk}" in response.json()["concerns"][0]
    assert not ChallengeConcern.objects.exists()
    assert WorkflowEvent.objects.count() == events
    good.refresh_from_db()
    assert good.status == "published"


def test_linking_an_unknown_concern_answers_404_and_writes_nothing(officer_api, challenge, heat):
    good = _published(heat)

    response = officer_api.post(
        f"{URL}{challenge.pk}/link-concerns/", {"concerns": [good.pk, 999_999]}, format="json"
    )

    assert response.status_code == 404
    assert not ChallengeConcern.objects.exists()
    good.refresh_from_db()
    assert good.status == "published"


@pytest.mark.parametrize("payload", [{}, {"concerns": []}, {"concerns": ["one"]}])
def test_link_needs_a_list_of_concern_ids(officer_api, challenge, payload):
    response = officer_api.post(f"{URL}{challenge.pk}/link-concerns/", payload, format="json")

    assert response.status_code == 400
    assert "concerns" in response.json()


def test_nothing_can_be_linked_to_a_closed_challenge(officer_api, officer, challenge, heat):
    workflow.transition(challenge, Challenge.Status.CLOSED, actor=officer, note="Done")
    concern = _published(heat)

    response = officer_api.post(
        f"{URL}{challenge.pk}/link-concerns/", {"concerns": [concern.pk]}, format="json"
    )

    assert response.status_code == 400
    assert "challenge" in response.json()
    concern.refresh_from_db()
    assert concern.status == "published"


# ------------------------------------------------------------------ listing


def test_list_is_a_paginated_geojson_feature_collection(api_as, heat, municipality):
    ChallengeFactory(theme=heat, status=Challenge.Status.OPEN)

    body = api_as("anonymous").get(URL).json()

    assert body["type"] == "FeatureCollection"
    assert (body["count"], body["next"], body["previous"]) == (1, None, None)
    assert body["features"][0]["geometry"]["type"] == "MultiPolygon"


def test_list_is_newest_first_and_pages_see_each_challenge_once(api_as, heat, municipality):
    made = [ChallengeFactory(theme=heat, status=Challenge.Status.OPEN) for _ in range(4)]
    client = api_as("anonymous")

    seen, url = [], URL + "?page_size=1"
    while url:
        page = client.get(url).json()
        seen += [f["id"] for f in page["features"]]
        url = page["next"]

    assert seen == [c.pk for c in reversed(made)]


def test_filters_by_theme_and_status(officer_api, heat, flooding, municipality):
    hot_open = ChallengeFactory(theme=heat, status=Challenge.Status.OPEN)
    hot_draft = ChallengeFactory(theme=heat, status=Challenge.Status.DRAFT)
    wet_open = ChallengeFactory(theme=flooding, status=Challenge.Status.OPEN)

    assert sorted(_ids(officer_api.get(URL, {"theme": "heat"}))) == sorted(
        [hot_open.pk, hot_draft.pk]
    )
    assert _ids(officer_api.get(URL, {"theme": "flooding"})) == [wet_open.pk]
    assert sorted(_ids(officer_api.get(URL, {"status": "open"}))) == sorted(
        [hot_open.pk, wet_open.pk]
    )
    assert _ids(officer_api.get(URL, {"status": "draft", "theme": "heat"})) == [hot_draft.pk]


def test_status_filter_does_not_reveal_drafts(api_as, heat, municipality):
    ChallengeFactory(theme=heat, status=Challenge.Status.DRAFT)

    response = api_as("resident").get(URL, {"status": "draft"})

    assert response.status_code == 200
    assert response.json()["count"] == 0


# ------------------------------------------------------------------ evidence


def test_evidence_rows_appear_on_the_challenge(api_as, challenge, officer):
    workflow.transition(challenge, Challenge.Status.OPEN, actor=officer)
    evidence_row(challenge=challenge, source="sensors", name="tropical_nights", value=31.5)
    evidence_row(
        challenge=challenge,
        source="surveys",
        name="theme_named_share",
        value=0.4,
        details={"responses": 25},
    )
    # Recomputing replaces the older figure instead of adding a second one.
    evidence_row(challenge=challenge, source="sensors", name="tropical_nights", value=33.0)

    response = api_as("anonymous").get(f"{URL}{challenge.pk}/")

    evidence = response.json()["properties"]["evidence"]
    assert [(e["source"], e["name"], e["value"], e["details"]) for e in evidence] == [
        ("sensors", "tropical_nights", 33.0, {}),
        ("surveys", "theme_named_share", 0.4, {"responses": 25}),
    ]
    assert all(e["computed_at"] for e in evidence)
    # What each figure means comes from the vocabulary, in the reader's language.
    assert evidence[0]["label"] == "tropische nachten"
    assert (evidence[0]["unit"], evidence[0]["worse"]) == ("nachten", "higher")

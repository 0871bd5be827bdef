"""The challenges API beyond creating: stage, changing, unlinking, grouping suggestions, roles."""

import pytest
from django.contrib.gis.geos import Point

from civic import challenge_parts, services, workflow
from civic.models import (
    Area,
    Challenge,
    ChallengeConcern,
    ChallengeConcernChange,
    Concern,
    EvidenceStale,
)
from tests.civic.conftest import geojson_square
from tests.factories import CENTRE, AreaFactory, ChallengeFactory, ConcernFactory, square

pytestmark = pytest.mark.django_db

URL = "/api/v1/challenges/"


@pytest.fixture
def challenge(officer, heat, neighbourhood):
    made = services.challenge_create(
        actor=officer, title="Hot square", theme=heat, geometry=square(*CENTRE, 0.001)
    )
    workflow.transition(made, Challenge.Status.OPEN, actor=officer)
    return made


@pytest.fixture
def linked(challenge, officer, heat):
    concern = ConcernFactory(theme=heat, status="published", location=Point(*CENTRE, srid=4326))
    services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)
    return concern


# ---------------------------------------------------------------- stage


def test_items_carry_their_stage(api_as, challenge):
    saved = dict(challenge_parts._STAGE_SOURCES)
    consulting = challenge_parts.Stage("consultation", "in consultation", 40)
    challenge_parts.stage_source_register("test", lambda ids: dict.fromkeys(ids, consulting))
    try:
        listed = api_as("anonymous").get(URL).json()["features"][0]["properties"]["stage"]
        one = api_as("anonymous").get(f"{URL}{challenge.pk}/").json()["properties"]["stage"]
    finally:
        challenge_parts._STAGE_SOURCES.clear()
        challenge_parts._STAGE_SOURCES.update(saved)
    plain = api_as("anonymous").get(f"{URL}{challenge.pk}/").json()["properties"]["stage"]

    assert listed == one == {"key": "consultation", "label": "in consultation", "rank": 40}
    assert plain["key"] == "open" and plain["rank"] == challenge_parts.STATUS_RANK["open"]


def test_the_list_filters_by_a_district_too(api_as, heat, municipality):
    district = AreaFactory(kind=Area.Kind.DISTRICT, code="WK019301", parent=municipality)
    hood = AreaFactory(code="BU01930077", parent=district)
    inside = ChallengeFactory(theme=heat, area=hood, status="open")
    ChallengeFactory(theme=heat, area=None, status="open")

    found = api_as("anonymous").get(URL, {"area": "WK019301"}).json()["features"]

    assert [f["id"] for f in found] == [inside.pk]


# ---------------------------------------------------------------- changing


def test_an_officer_changes_title_and_geometry_and_evidence_is_redone(api_as, challenge, oost):
    EvidenceStale.objects.all().delete()
    moved = geojson_square()
    moved["coordinates"][0] = [[x + 0.02, y] for x, y in moved["coordinates"][0]]

    answer = api_as("officer").patch(
        f"{URL}{challenge.pk}/", {"title": "Shade", "geometry": moved}, format="json"
    )

    assert answer.status_code == 200, answer.json()
    body = answer.json()["properties"]
    assert body["title"] == "Shade" and body["area"] == oost.code
    assert EvidenceStale.objects.filter(subject_kind="challenge", subject_id=challenge.pk)


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"geometry": {"type": "Point", "coordinates": [6.06, 52.528]}}, "geometry"),
        ({"geometry": "nonsense"}, "geometry"),
        ({"theme": "no-such-theme"}, "theme"),
        ({"title": ""}, "title"),
        ({"title": 12}, "title"),
        ({"status": "closed"}, "status"),
        ({"area": "GM0193"}, "area"),
    ],
)
def test_bad_changes_are_a_400_naming_the_field_and_nothing_is_written(
    api_as, challenge, payload, field
):
    answer = api_as("officer").patch(f"{URL}{challenge.pk}/", payload, format="json")

    assert answer.status_code == 400
    assert field in answer.json()
    challenge.refresh_from_db()
    assert (challenge.title, challenge.status) == ("Hot square", "open")


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("resident", 403), ("council", 403)])
def test_only_officers_change(api_as, challenge, role, status):
    answer = api_as(role).patch(f"{URL}{challenge.pk}/", {"title": "Mine"}, format="json")

    assert answer.status_code == status
    challenge.refresh_from_db()
    assert challenge.title == "Hot square"


# ---------------------------------------------------------------- unlinking


def test_unlinking_needs_a_reason_and_is_recorded(api_as, officer, challenge, linked):
    url = f"{URL}{challenge.pk}/unlink-concern/"

    missing = api_as("officer").post(url, {"concern": linked.pk, "reason": " "}, format="json")
    absent = api_as("officer").post(url, {"concern": linked.pk}, format="json")
    assert missing.status_code == absent.status_code == 400
    assert "reason" in missing.json() and "reason" in absent.json()
    assert ChallengeConcern.objects.filter(concern=linked).exists()

    done = api_as("officer").post(url, {"concern": linked.pk, "reason": "Elsewhere"}, format="json")

    assert done.status_code == 200
    assert done.json()["properties"]["concerns"] == []
    linked.refresh_from_db()
    assert linked.status == Concern.Status.PUBLISHED
    change = ChallengeConcernChange.objects.get(action="unlink")
    assert (change.actor, change.reason) == (officer, "Elsewhere")


def test_unlinking_an_unknown_or_unlinked_concern_names_it(api_as, challenge, linked, heat):
    url = f"{URL}{challenge.pk}/unlink-concern/"
    stranger = ConcernFactory(theme=heat, status="published")

    for concern_id in (999_999, stranger.pk):
        answer = api_as("officer").post(url, {"concern": concern_id, "reason": "x"}, format="json")
        assert answer.status_code == 400
        assert "concern" in answer.json()


@pytest.mark.parametrize("role", ["resident", "council"])
def test_only_officers_unlink(api_as, challenge, linked, role):
    answer = api_as(role).post(
        f"{URL}{challenge.pk}/unlink-concern/", {"concern": linked.pk, "reason": "x"}, format="json"
    )

    assert answer.status_code == 403
    assert ChallengeConcern.objects.filter(concern=linked).exists()


# ---------------------------------------------------------------- suggestions


@pytest.fixture
def cluster(heat, neighbourhood):
    return [
        ConcernFactory(
            theme=heat,
            status="published",
            description=f"Heet plekje {n}",
            location=Point(CENTRE[0] + 0.0008 * n, CENTRE[1], srid=4326),
        )
        for n in range(3)
    ]


def test_officers_read_grouping_suggestions(api_as, cluster, flooding):
    answer = api_as("officer").get(f"{URL}suggestions/")

    assert answer.status_code == 200
    (found,) = answer.json()["clusters"]
    assert sorted(c["id"] for c in found["concerns"]) == sorted(c.pk for c in cluster)
    assert found["theme"] == "heat" and found["near_challenge"] is None
    assert api_as("officer").get(f"{URL}suggestions/", {"theme": "flooding"}).json() == {
        "clusters": [],
        "duplicates": [],
    }


def test_an_unknown_theme_for_suggestions_is_a_400_naming_it(api_as, cluster):
    answer = api_as("officer").get(f"{URL}suggestions/", {"theme": "nope"})

    assert answer.status_code == 400 and "theme" in answer.json()


@pytest.mark.parametrize("role, status", [("anonymous", 401), ("resident", 403), ("council", 403)])
def test_others_do_not_read_suggestions(api_as, cluster, role, status):
    assert api_as(role).get(f"{URL}suggestions/").status_code == status


# ---------------------------------------------------------------- reading by role


@pytest.mark.parametrize("role", ["anonymous", "resident"])
def test_drafts_stay_hidden_from_the_public(api_as, officer, heat, role):
    draft = services.challenge_create(actor=officer, title="Draft", theme=heat)

    assert api_as(role).get(f"{URL}{draft.pk}/").status_code == 404
    assert api_as("council").get(f"{URL}{draft.pk}/").status_code == 200

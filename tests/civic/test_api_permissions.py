"""Who may read and write what through the API, role by role, and what stays private."""

import pytest

from civic.models import Challenge, ChallengeConcern, Concern, WorkflowEvent
from tests.civic.conftest import geojson_point, geojson_square
from tests.factories import CENTRE

ANON, RES, OTHER, OFFICER, COUNCIL, ADMIN = (
    "anonymous",
    "resident",
    "other_resident",
    "officer",
    "council",
    "admin_user",
)
ALL = (ANON, RES, OTHER, OFFICER, COUNCIL, ADMIN)
STAFF = {OFFICER, ADMIN}

POLYGON = geojson_square()


def _feature_ids(response) -> set[int]:
    return {feature["id"] for feature in response.json()["features"]}


# ------------------------------------------------------------ themes and areas


@pytest.mark.parametrize("role", ALL)
def test_themes_and_areas_are_readable_by_everyone(api_as, world, neighbourhood, role):
    client = api_as(role)

    themes = client.get("/api/v1/themes/")
    theme = client.get("/api/v1/themes/heat/")
    areas = client.get("/api/v1/areas/")
    area = client.get(f"/api/v1/areas/{neighbourhood.pk}/")

    assert (themes.status_code, theme.status_code) == (200, 200)
    assert [t["slug"] for t in themes.json()] == ["heat"]
    assert theme.json()["name_en"] == "Heat"
    assert (areas.status_code, area.status_code) == (200, 200)
    assert {f["properties"]["code"] for f in areas.json()["features"]} == {
        "GM0193",
        "BU01930001",
    }
    assert area.json()["properties"]["code"] == "BU01930001"


@pytest.mark.parametrize("role", ALL)
@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/api/v1/themes/"),
        ("put", "/api/v1/themes/heat/"),
        ("patch", "/api/v1/themes/heat/"),
        ("delete", "/api/v1/themes/heat/"),
        ("post", "/api/v1/areas/"),
        ("put", "/api/v1/areas/{area}/"),
        ("patch", "/api/v1/areas/{area}/"),
        ("delete", "/api/v1/areas/{area}/"),
    ],
)
def test_themes_and_areas_cannot_be_written(api_as, heat, neighbourhood, role, method, path):
    client = api_as(role)

    response = getattr(client, method)(
        path.format(area=neighbourhood.pk), {"slug": "heat", "name_en": "Changed"}, format="json"
    )

    assert response.status_code == 405
    heat.refresh_from_db()
    assert heat.name_en == "Heat"


# ------------------------------------------------------------------ concerns


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (ANON, {"published"}),
        (RES, {"submitted", "rejected", "published"}),
        (OTHER, {"published"}),
        (OFFICER, {"submitted", "rejected", "published"}),
        (COUNCIL, {"published"}),
        (ADMIN, {"submitted", "rejected", "published"}),
    ],
)
def test_concern_list_shows_what_the_role_may_see(api_as, world, role, expected):
    response = api_as(role).get("/api/v1/concerns/")

    assert response.status_code == 200
    assert _feature_ids(response) == {getattr(world, name).pk for name in expected}


@pytest.mark.parametrize(
    ("role", "concern", "expected"),
    [
        (ANON, "submitted", 404),
        (ANON, "rejected", 404),
        (ANON, "published", 200),
        (RES, "submitted", 200),
        (RES, "rejected", 200),
        (RES, "published", 200),
        (OTHER, "submitted", 404),
        (OTHER, "rejected", 404),
        (OTHER, "published", 200),
        (OFFICER, "submitted", 200),
        (OFFICER, "rejected", 200),
        (OFFICER, "published", 200),
        (COUNCIL, "submitted", 404),
        (COUNCIL, "rejected", 404),
        (COUNCIL, "published", 200),
        (ADMIN, "submitted", 200),
        (ADMIN, "rejected", 200),
        (ADMIN, "published", 200),
    ],
)
def test_concern_detail_per_role(api_as, world, role, concern, expected):
    response = api_as(role).get(f"/api/v1/concerns/{getattr(world, concern).pk}/")

    assert response.status_code == expected
    if expected == 200:
        assert response.json()["properties"]["status"] == concern


@pytest.mark.parametrize("role", [ANON, OTHER, COUNCIL])
@pytest.mark.parametrize("path", ["/api/v1/concerns/", "/api/v1/concerns/{pk}/"])
def test_the_public_never_learns_who_wrote_a_concern(api_as, world, resident, role, path):
    response = api_as(role).get(path.format(pk=world.published.pk))

    assert response.status_code == 200
    assert resident.username.encode() not in response.content
    assert resident.email.encode() not in response.content
    body = response.json()
    features = body.get("features", [body])
    assert features
    for feature in features:
        assert "author" not in feature["properties"]
        assert feature["properties"]["is_mine"] is False
        assert feature["properties"].get("history") is None


@pytest.mark.parametrize("role", [OFFICER, ADMIN])
@pytest.mark.parametrize("path", ["/api/v1/concerns/", "/api/v1/concerns/{pk}/"])
def test_officers_see_the_author(api_as, world, role, path):
    response = api_as(role).get(path.format(pk=world.submitted.pk))

    body = response.json()
    features = body.get("features", [body])
    assert features
    assert {f["properties"]["author"] for f in features} == {"resident-a"}


def test_officers_see_the_history_of_any_concern(api_as, world):
    response = api_as(OFFICER).get(f"/api/v1/concerns/{world.rejected.pk}/")

    history = response.json()["properties"]["history"]
    assert [(e["from_state"], e["to_state"]) for e in history] == [
        ("", "submitted"),
        ("submitted", "rejected"),
    ]
    assert history[1]["note"] == "Off topic"


@pytest.mark.parametrize("concern", ["submitted", "rejected"])
def test_the_author_sees_their_own_unpublished_concern_and_its_history(api_as, world, concern):
    response = api_as(RES).get(f"/api/v1/concerns/{getattr(world, concern).pk}/")

    assert response.status_code == 200
    props = response.json()["properties"]
    assert props["is_mine"] is True
    assert "author" not in props
    assert [e["to_state"] for e in props["history"]] == (
        ["submitted"] if concern == "submitted" else ["submitted", "rejected"]
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [(ANON, 401), (RES, 201), (OTHER, 201), (OFFICER, 201), (COUNCIL, 403), (ADMIN, 201)],
)
def test_who_may_file_a_concern(api_as, heat, municipality, role, expected):
    response = api_as(role).post(
        "/api/v1/concerns/",
        {"theme": "heat", "description": "Water on the street", "location": geojson_point()},
        format="json",
    )

    assert response.status_code == expected
    assert Concern.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize(
    ("role", "concern", "expected"),
    [
        (ANON, "submitted", 401),
        (ANON, "published", 401),
        # The author may move their concern until it is moderated.
        (RES, "submitted", 200),
        (RES, "published", 403),
        (RES, "rejected", 403),
        # Another resident cannot see an unpublished concern, and may not move a public one.
        (OTHER, "submitted", 404),
        (OTHER, "published", 403),
        (OFFICER, "submitted", 200),
        (OFFICER, "published", 200),
        (COUNCIL, "submitted", 404),
        (COUNCIL, "published", 403),
        (ADMIN, "submitted", 200),
        (ADMIN, "published", 200),
    ],
)
def test_who_may_move_a_concern(api_as, world, role, concern, expected):
    target = getattr(world, concern)

    response = api_as(role).patch(
        f"/api/v1/concerns/{target.pk}/", {"location": geojson_point(0.001, 0.001)}, format="json"
    )

    assert response.status_code == expected
    target.refresh_from_db()
    moved = (round(target.location.x, 6), round(target.location.y, 6)) != CENTRE
    assert moved is (expected == 200)


@pytest.mark.parametrize(
    ("role", "concern", "to", "expected"),
    [
        (ANON, "submitted", "published", 401),
        # Residents never moderate: not their own concern, not another's.
        (RES, "submitted", "published", 403),
        (RES, "published", "closed", 403),
        (OTHER, "submitted", "published", 404),
        (OTHER, "published", "closed", 403),
        (OFFICER, "submitted", "published", 200),
        (OFFICER, "published", "closed", 200),
        (COUNCIL, "submitted", "published", 404),
        (COUNCIL, "published", "closed", 403),
        (ADMIN, "submitted", "published", 200),
        (ADMIN, "published", "closed", 200),
    ],
)
def test_who_may_move_a_concern_through_the_workflow(api_as, world, role, concern, to, expected):
    target = getattr(world, concern)
    events = WorkflowEvent.objects.count()

    response = api_as(role).post(
        f"/api/v1/concerns/{target.pk}/transition/",
        {"to": to, "outcome": "addressed" if to == "closed" else ""},
        format="json",
    )

    assert response.status_code == expected
    target.refresh_from_db()
    assert target.status == (to if expected == 200 else concern)
    assert WorkflowEvent.objects.count() == events + (1 if expected == 200 else 0)


@pytest.mark.parametrize("role", ALL)
def test_concerns_cannot_be_replaced_or_deleted(api_as, world, role):
    client = api_as(role)
    url = f"/api/v1/concerns/{world.published.pk}/"

    expected = 401 if role == ANON else 405

    assert client.delete(url).status_code == expected
    assert client.put(url, {}, format="json").status_code == expected
    assert Concern.objects.filter(pk=world.published.pk).exists()


# ---------------------------------------------------------------- challenges


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (ANON, {"open"}),
        (RES, {"open"}),
        (OTHER, {"open"}),
        (OFFICER, {"draft", "open"}),
        (COUNCIL, {"draft", "open"}),
        (ADMIN, {"draft", "open"}),
    ],
)
def test_challenge_list_hides_drafts_from_the_public(api_as, world, role, expected):
    response = api_as(role).get("/api/v1/challenges/")

    assert response.status_code == 200
    assert _feature_ids(response) == {getattr(world, name).pk for name in expected}


@pytest.mark.parametrize(
    ("role", "challenge", "expected"),
    [
        (ANON, "draft", 404),
        (ANON, "open", 200),
        (RES, "draft", 404),
        (RES, "open", 200),
        (OTHER, "draft", 404),
        (OTHER, "open", 200),
        (OFFICER, "draft", 200),
        (OFFICER, "open", 200),
        (COUNCIL, "draft", 200),
        (COUNCIL, "open", 200),
        (ADMIN, "draft", 200),
        (ADMIN, "open", 200),
    ],
)
def test_challenge_detail_per_role(api_as, world, role, challenge, expected):
    response = api_as(role).get(f"/api/v1/challenges/{getattr(world, challenge).pk}/")

    assert response.status_code == expected
    if expected == 200:
        assert response.json()["properties"]["status"] == challenge


@pytest.mark.parametrize(
    ("role", "expected"),
    [(ANON, 401), (RES, 403), (OTHER, 403), (OFFICER, 201), (COUNCIL, 403), (ADMIN, 201)],
)
def test_who_may_create_a_challenge(api_as, heat, municipality, role, expected):
    response = api_as(role).post(
        "/api/v1/challenges/",
        {"title": "Shade on the square", "theme": "heat", "geometry": POLYGON},
        format="json",
    )

    assert response.status_code == expected
    assert Challenge.objects.count() == (1 if expected == 201 else 0)


@pytest.mark.parametrize(
    ("role", "expected"),
    [(ANON, 401), (RES, 403), (OTHER, 403), (OFFICER, 200), (COUNCIL, 403), (ADMIN, 200)],
)
def test_who_may_open_a_challenge(api_as, world, role, expected):
    response = api_as(role).post(
        f"/api/v1/challenges/{world.draft.pk}/transition/", {"to": "open"}, format="json"
    )

    assert response.status_code == expected
    world.draft.refresh_from_db()
    assert world.draft.status == ("open" if expected == 200 else "draft")


@pytest.mark.parametrize(
    ("role", "expected"),
    [(ANON, 401), (RES, 403), (OTHER, 403), (OFFICER, 200), (COUNCIL, 403), (ADMIN, 200)],
)
def test_who_may_link_concerns_to_a_challenge(api_as, world, role, expected):
    response = api_as(role).post(
        f"/api/v1/challenges/{world.open.pk}/link-concerns/",
        {"concerns": [world.published.pk]},
        format="json",
    )

    assert response.status_code == expected
    world.published.refresh_from_db()
    assert world.published.status == ("linked" if expected == 200 else "published")
    assert ChallengeConcern.objects.count() == (1 if expected == 200 else 0)


@pytest.fixture
def hidden_link(world, officer):
    """A link made behind the API's back (e.g. in the admin) to a concern still in moderation."""
    ChallengeConcern.objects.create(
        challenge=world.open, concern=world.published, linked_by=officer
    )
    ChallengeConcern.objects.create(
        challenge=world.open, concern=world.submitted, linked_by=officer
    )
    return world


@pytest.mark.parametrize("role", ALL)
def test_challenge_never_lists_an_unpublished_concern(api_as, hidden_link, role):
    world = hidden_link
    client = api_as(role)

    detail = client.get(f"/api/v1/challenges/{world.open.pk}/").json()
    listed = client.get("/api/v1/challenges/").json()["features"]

    for feature in [detail, *listed]:
        assert world.submitted.pk not in feature["properties"]["concerns"]
    assert detail["properties"]["concerns"] == [world.published.pk]


@pytest.mark.parametrize("role", [ANON, OTHER])
def test_challenge_concern_count_does_not_reveal_an_unpublished_concern(api_as, hidden_link, role):
    world = hidden_link
    client = api_as(role)

    detail = client.get(f"/api/v1/challenges/{world.open.pk}/").json()
    listed = client.get("/api/v1/challenges/").json()["features"]

    assert detail["properties"]["concern_count"] == 1
    assert [f["properties"]["concern_count"] for f in listed if f["id"] == world.open.pk] == [1]

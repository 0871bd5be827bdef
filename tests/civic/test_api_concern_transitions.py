"""Concern workflow through the API: transitions, outcomes, and fields clients cannot set."""

import pytest

from civic.models import Concern, WorkflowEvent
from tests.civic.conftest import geojson_point, published_concern
from tests.factories import ConcernFactory

GOOD = {"theme": "heat", "description": "Hot square", "location": geojson_point()}
URL = "/api/v1/concerns/"


# ------------------------------------------------------------------ workflow


@pytest.fixture
def submitted(resident, heat, neighbourhood):
    return ConcernFactory(author=resident, theme=heat, area=neighbourhood)


def _transition(client, concern, **data):
    return client.post(f"{URL}{concern.pk}/transition/", data, format="json")


def test_officer_publishes_a_concern(api_as, officer, submitted):
    events = WorkflowEvent.objects.count()

    response = _transition(api_as("officer"), submitted, to="published")

    assert response.status_code == 200
    assert response.json()["properties"]["status"] == "published"
    assert WorkflowEvent.objects.count() == events + 1
    event = WorkflowEvent.objects.latest("id")
    assert (event.from_state, event.to_state, event.actor) == ("submitted", "published", officer)
    submitted.refresh_from_db()
    assert submitted.status == "published"


@pytest.mark.parametrize("target", ["closed", "linked", "flying"])
def test_a_move_outside_the_table_names_the_allowed_states(api_as, submitted, target):
    events = WorkflowEvent.objects.count()

    response = _transition(api_as("officer"), submitted, to=target)

    assert response.status_code == 400
    body = response.json()
    assert sorted(body["allowed"]) == ["published", "rejected", "withdrawn"]
    assert "published" in body["to"][0]
    assert "rejected" in body["to"][0]
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert WorkflowEvent.objects.count() == events


def test_reject_needs_a_note(api_as, submitted):
    events = WorkflowEvent.objects.count()

    refused = _transition(api_as("officer"), submitted, to="rejected")
    rejected = _transition(api_as("officer"), submitted, to="rejected", note="Not about climate")

    assert refused.status_code == 400
    assert "note" in refused.json()
    assert rejected.status_code == 200
    assert rejected.json()["properties"]["status"] == "rejected"
    assert rejected.json()["properties"]["history"][-1]["note"] == "Not about climate"
    assert WorkflowEvent.objects.count() == events + 1


def test_close_with_an_outcome(api_as, heat, municipality):
    concern = published_concern(heat)

    response = _transition(api_as("officer"), concern, to="closed", outcome="duplicate")

    assert response.status_code == 200
    props = response.json()["properties"]
    assert (props["status"], props["outcome"]) == ("closed", "duplicate")


def test_close_without_an_outcome_is_refused(api_as, heat, municipality):
    concern = published_concern(heat)

    response = _transition(api_as("officer"), concern, to="closed")

    assert response.status_code == 400
    assert "outcome" in response.json()
    concern.refresh_from_db()
    assert concern.status == "published"


@pytest.mark.parametrize(
    "outcome", ["solved-it-myself", "x" * 40], ids=["unknown-outcome", "outcome-too-long"]
)
def test_close_with_an_unknown_outcome_is_refused(api_as, heat, municipality, outcome):
    concern = published_concern(heat)
    events = WorkflowEvent.objects.count()

    response = _transition(api_as("officer"), concern, to="closed", outcome=outcome)

    assert response.status_code == 400
    assert "outcome" in response.json()
    concern.refresh_from_db()
    assert (concern.status, concern.outcome) == ("published", "")
    assert WorkflowEvent.objects.count() == events


def test_an_outcome_cannot_ride_along_with_publishing(api_as, submitted):
    response = _transition(api_as("officer"), submitted, to="published", outcome="duplicate")

    assert response.status_code == 400
    assert "outcome" in response.json()
    submitted.refresh_from_db()
    assert (submitted.status, submitted.outcome) == ("submitted", "")


def test_a_resident_cannot_set_status_author_or_outcome_when_filing(
    api_as, resident, other_resident, heat, neighbourhood
):
    response = api_as("resident").post(
        URL,
        {
            **GOOD,
            "status": "published",
            "author": other_resident.pk,
            "outcome": "addressed",
            "source": "import",
        },
        format="json",
    )

    assert response.status_code == 400
    assert set(response.json()) == {"status", "author", "outcome", "source"}
    assert not Concern.objects.exists()


def test_a_resident_cannot_publish_by_patching_the_status(api_as, submitted):
    response = api_as("resident").patch(
        f"{URL}{submitted.pk}/", {"status": "published", "description": "Still hot"}, format="json"
    )

    assert response.status_code == 400
    assert set(response.json()) == {"status"}
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    assert submitted.description != "Still hot"


def test_an_inactive_theme_is_refused(api_as, heat, flooding, neighbourhood):
    flooding.is_active = False
    flooding.save()

    response = api_as("resident").post(URL, {**GOOD, "theme": "flooding"}, format="json")

    assert response.status_code == 400
    assert "theme" in response.json()
    assert not Concern.objects.exists()


def test_a_transition_without_target_names_to(api_as, submitted):
    response = _transition(api_as("officer"), submitted, note="Looks fine")

    assert response.status_code == 400
    assert "to" in response.json()
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_the_author_withdraws_their_concern_before_moderation(api_as, resident, submitted):
    response = _transition(api_as("resident"), submitted, to="withdrawn")

    assert response.status_code == 200
    submitted.refresh_from_db()
    assert submitted.status == "withdrawn" and not submitted.is_public
    assert WorkflowEvent.objects.latest("id").actor == resident


def test_another_resident_cannot_withdraw_it(api_as, other_resident, submitted):
    # An unpublished concern of someone else is invisible: 404, not 403.
    response = _transition(api_as("other_resident"), submitted, to="withdrawn")

    assert response.status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_a_published_concern_cannot_be_withdrawn(api_as, resident, submitted, officer):
    _transition(api_as("officer"), submitted, to="published")

    response = _transition(api_as("resident"), submitted, to="withdrawn")

    assert response.status_code in (400, 403)
    submitted.refresh_from_db()
    assert submitted.status == "published"

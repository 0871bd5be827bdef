"""The transition endpoints take every field a move sets, checked as the model checks it."""

import pytest
from rest_framework.test import APIClient

from civic import workflow as engine
from civic.models import Challenge, Concern, WorkflowEvent
from civic.workflow import CHALLENGE_WORKFLOW, NOTIFY_NOBODY, STAFF, Transition, Workflow
from tests.factories import ChallengeFactory, ThemeFactory

OPEN, PRIORITISED = Challenge.Status.OPEN, Challenge.Status.PRIORITISED


@pytest.fixture
def ranking_sets_fields(monkeypatch):
    """Prioritising a challenge also sets its title, description and theme (an app's row)."""
    # The schema is built from the tables registered when the URLs are first loaded (after
    # every AppConfig.ready in a real process): load them before changing the table here.
    import civic.urls  # noqa: F401

    rows = [
        t for t in CHALLENGE_WORKFLOW.transitions if (t.source, t.target) != (OPEN, PRIORITISED)
    ]
    rank = Transition(OPEN, PRIORITISED, STAFF, "Rank", sets=("title", "description", "theme"))
    table = Workflow(Challenge, [*rows, rank], notifier=NOTIFY_NOBODY)
    monkeypatch.setitem(engine._REGISTRY, Challenge, table)


def _move(client, challenge, **data):
    return client.post(f"/api/v1/challenges/{challenge.pk}/transition/", data, format="json")


def test_every_field_the_move_sets_is_taken_and_stored(api_as, ranking_sets_fields, heat):
    challenge = ChallengeFactory(status=OPEN, theme=heat, title="Old", description="")
    green = ThemeFactory(slug="greenery")

    response = _move(
        api_as("officer"),
        challenge,
        to="prioritised",
        title="Hitte bij het winkelcentrum",
        description="Eerst aanpakken.",
        theme=green.pk,
    )

    assert response.status_code == 200, response.json()
    assert response.json()["properties"]["title"] == "Hitte bij het winkelcentrum"
    stored = Challenge.objects.get(pk=challenge.pk)
    assert (stored.status, stored.title, stored.description, stored.theme) == (
        PRIORITISED,
        "Hitte bij het winkelcentrum",
        "Eerst aanpakken.",
        green,
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", "x" * 201), ("theme", 999_999), ("theme", "heat"), ("title", ["a list"])],
)
def test_a_bad_value_is_a_400_naming_the_field(api_as, ranking_sets_fields, heat, field, value):
    challenge = ChallengeFactory(status=OPEN, theme=heat, title="Old")
    data = {"to": "prioritised", "title": "New", "description": "d", "theme": heat.pk}

    response = _move(api_as("officer"), challenge, **{**data, field: value})

    assert response.status_code == 400
    assert list(response.json()) == [field]
    stored = Challenge.objects.get(pk=challenge.pk)
    assert (stored.status, stored.title) == (OPEN, "Old")
    assert not WorkflowEvent.objects.exists()


def test_a_field_the_move_needs_is_named_when_missing(api_as, ranking_sets_fields, heat):
    challenge = ChallengeFactory(status=OPEN, theme=heat, title="Old")

    response = _move(api_as("officer"), challenge, to="prioritised", title="New")

    assert response.status_code == 400
    assert set(response.json()) == {"description", "theme"}
    assert Challenge.objects.get(pk=challenge.pk).status == OPEN


def test_a_field_of_another_move_cannot_ride_along(api_as, ranking_sets_fields, heat):
    challenge = ChallengeFactory(status=OPEN, theme=heat, title="Old")

    response = _move(api_as("officer"), challenge, to="closed", note="Done", title="Sneaky")

    assert response.status_code == 400
    assert list(response.json()) == ["title"]
    assert Challenge.objects.get(pk=challenge.pk).title == "Old"


def test_the_schema_documents_what_each_transition_endpoint_takes(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    def request_schema(path):
        body = schema["paths"][path]["post"]["requestBody"]["content"]["application/json"]
        name = body["schema"]["$ref"].rsplit("/", 1)[-1]
        return schema["components"]["schemas"][name]

    concern = request_schema("/api/v1/concerns/{id}/transition/")
    challenge = request_schema("/api/v1/challenges/{id}/transition/")
    survey = request_schema("/api/v1/surveys/{id}/transition/")
    assert set(concern["properties"]) == {"to", "note", "outcome"}
    assert concern["required"] == ["to"]
    outcome_enum = schema["components"]["schemas"]["OutcomeEnum"]["enum"]
    assert set(outcome_enum) == set(Concern.Outcome.values)
    assert set(challenge["properties"]) == {"to", "note"}
    assert set(survey["properties"]) == {"to", "note"}

"""Challenges in the API say how fresh their sensor evidence is, at one query per answer."""

from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from civic.models import Challenge, EvidenceRun
from civic.runs import SENSOR_EVIDENCE_JOB
from tests.civic.conftest import geojson_square
from tests.factories import ChallengeFactory

URL = "/api/v1/challenges/"
FINISHED = datetime(2026, 9, 1, 4, 30, tzinfo=UTC)


def run(status: str = "done", finished_at: datetime = FINISHED, job: str = SENSOR_EVIDENCE_JOB):
    return EvidenceRun.objects.create(job=job, status=status, finished_at=finished_at)


def as_of_values(response) -> set:
    assert response.status_code == 200, response.content
    return {f["properties"]["evidence_as_of"] for f in response.json()["features"]}


@pytest.fixture
def officer_api(officer):
    client = APIClient()
    client.force_authenticate(officer)
    return client


def test_the_core_names_the_sensors_job_it_reads():
    from sensors.tasks import RECOMPUTE_JOB

    assert SENSOR_EVIDENCE_JOB == RECOMPUTE_JOB


def test_evidence_as_of_is_null_before_any_successful_run(api_as, world):
    run(status="failed")

    assert as_of_values(api_as("anonymous").get(URL)) == {None}


def test_evidence_as_of_is_the_end_of_the_last_successful_sensor_run(api_as, world):
    run(finished_at=datetime(2026, 8, 30, tzinfo=UTC))
    run()
    run(status="failed", finished_at=datetime(2026, 9, 2, tzinfo=UTC))
    run(job="sensors.month_qc", finished_at=datetime(2026, 9, 3, tzinfo=UTC))

    client = api_as("anonymous")

    assert as_of_values(client.get(URL)) == {"2026-09-01T06:30:00+02:00"}
    detail = client.get(f"{URL}{world.open.pk}/").json()
    assert detail["properties"]["evidence_as_of"] == "2026-09-01T06:30:00+02:00"


def test_answers_to_changes_carry_it_too(officer_api, world, heat):
    run()

    created = officer_api.post(
        URL, {"title": "Hot school yard", "theme": heat.slug, "geometry": geojson_square()}, "json"
    )
    moved = officer_api.post(
        f"{URL}{world.draft.pk}/transition/", {"to": Challenge.Status.OPEN}, format="json"
    )

    assert created.status_code == 201, created.content
    assert created.json()["properties"]["evidence_as_of"] == "2026-09-01T06:30:00+02:00"
    assert moved.status_code == 200, moved.content
    assert moved.json()["properties"]["evidence_as_of"] == "2026-09-01T06:30:00+02:00"


@pytest.mark.parametrize("rows", [2, 12])
def test_freshness_is_looked_up_once_per_answer_not_per_challenge(rows, officer, officer_api, heat):
    ChallengeFactory.create_batch(rows, theme=heat, owner=officer, status=Challenge.Status.OPEN)
    run()

    with CaptureQueriesContext(connection) as queries:
        response = officer_api.get(URL)

    assert as_of_values(response) == {"2026-09-01T06:30:00+02:00"}
    assert len(response.json()["features"]) == rows
    run_queries = [q["sql"] for q in queries if "civic_evidencerun" in q["sql"]]
    assert len(run_queries) == 1, run_queries


def test_the_list_costs_the_same_queries_for_few_and_many_challenges(
    officer, officer_api, heat, django_assert_num_queries
):
    run()
    ChallengeFactory.create_batch(2, theme=heat, owner=officer, status=Challenge.Status.OPEN)
    officer_api.get(URL)  # warms the one-off lookups (content types, roles)
    with CaptureQueriesContext(connection) as few:
        officer_api.get(URL)
    ChallengeFactory.create_batch(10, theme=heat, owner=officer, status=Challenge.Status.OPEN)

    with django_assert_num_queries(len(few)):
        response = officer_api.get(URL)

    assert len(response.json()["features"]) == 12


def test_the_schema_documents_it_as_a_nullable_read_only_time(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    challenge = schema["components"]["schemas"]["Challenge"]["properties"]["properties"]
    field = challenge["properties"]["evidence_as_of"]
    assert (field["type"], field["format"]) == ("string", "date-time")
    assert field["nullable"] is True and field["readOnly"] is True
    assert "sensors.daily_stats" in field["description"]


def test_generating_the_schema_asks_the_database_nothing(db, django_assert_num_queries):
    # `check --deploy` generates it in CI against a database without tables.
    with django_assert_num_queries(0):
        schema = SchemaGenerator().get_schema(request=None, public=True)

    assert "/api/v1/challenges/" in schema["paths"]

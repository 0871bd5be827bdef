"""Challenges in the API say which period they show and how fresh each source's figures are."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from civic.evidence import evidence_mark_stale
from civic.models import Challenge, EvidencePeriod, EvidenceStale
from civic.periods import to_date_period
from tests.civic.conftest import geojson_square
from tests.factories import ChallengeFactory, evidence_row, shown_season

URL = "/api/v1/challenges/"


@pytest.fixture
def officer_api(officer):
    client = APIClient()
    client.force_authenticate(officer)
    return client


def freshness(feature) -> dict[str, dict]:
    return {f["source"]: f for f in feature["properties"]["freshness"]}


def test_a_challenge_no_source_computed_says_so_per_source(api_as, world):
    # Another challenge has fresh sensor figures: that says nothing about this one.
    evidence_row(challenge=world.open, source="sensors", name="sensor_count", value=4)
    fresh = ChallengeFactory(theme=world.open.theme, status=Challenge.Status.OPEN)

    body = api_as("anonymous").get(f"{URL}{fresh.pk}/").json()

    by_source = freshness(body)
    assert set(by_source) == {"sensors", "surveys"}
    assert by_source["sensors"]["computed_at"] is None
    assert by_source["surveys"]["computed_at"] is None
    assert by_source["sensors"]["label"] == "sensornetwerk"


def test_freshness_is_when_this_challenge_s_own_figures_were_computed(api_as, world):
    EvidenceStale.objects.all().delete()  # the fixture's challenges were just created
    row = evidence_row(challenge=world.open, source="sensors", name="sensor_count", value=4)
    earlier = timezone.now() - timedelta(days=2)
    type(row).objects.filter(pk=row.pk).update(computed_at=earlier)
    evidence_row(
        challenge=world.open,
        source="surveys",
        name="theme_named_share",
        value=0.3,
        period=to_date_period(),
    )

    body = api_as("anonymous").get(f"{URL}{world.open.pk}/").json()

    by_source = freshness(body)
    assert by_source["sensors"]["computed_at"] == timezone.localtime(earlier).isoformat()
    assert by_source["surveys"]["computed_at"] is not None
    season = shown_season()
    assert by_source["sensors"]["data_until"] == season.end.isoformat()
    assert by_source["sensors"]["pending"] is False


def test_a_waiting_recompute_is_said_to_be_pending(api_as, world):
    EvidenceStale.objects.all().delete()
    evidence_row(challenge=world.open, source="sensors", name="sensor_count", value=4)
    evidence_mark_stale(source="sensors", subject_kind="challenge", subject_id=world.open.pk)

    by_source = freshness(api_as("anonymous").get(f"{URL}{world.open.pk}/").json())

    assert by_source["sensors"]["pending"] is True
    assert by_source["surveys"]["pending"] is False


def test_creating_or_moving_a_challenge_marks_every_source_stale(officer_api, world, heat):
    created = officer_api.post(
        URL, {"title": "Hot school yard", "theme": heat.slug, "geometry": geojson_square()}, "json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]

    marked = set(
        EvidenceStale.objects.filter(subject_kind="challenge", subject_id=pk).values_list(
            "source", flat=True
        )
    )
    assert marked == {"sensors", "surveys"}
    assert all(f["pending"] for f in created.json()["properties"]["freshness"])

    EvidenceStale.objects.all().delete()
    challenge = Challenge.objects.get(pk=pk)
    challenge.title = "Hot school yard, renamed"
    challenge.save()
    assert not EvidenceStale.objects.filter(source="sensors").exists()

    challenge.geometry = Challenge.objects.get(pk=world.open.pk).geometry
    challenge.save()
    assert EvidenceStale.objects.filter(source="sensors", subject_id=pk).exists()


def test_the_answer_names_the_period_it_shows(api_as, world):
    evidence_row(challenge=world.open, source="sensors", name="night_anomaly", value=0.7)
    season = shown_season()

    body = api_as("anonymous").get(f"{URL}{world.open.pk}/").json()

    period = body["properties"]["period"]
    assert period["key"] == season.key
    assert (period["kind"], period["start"], period["end"]) == (
        "season",
        season.start.isoformat(),
        season.end.isoformat(),
    )
    assert str(season.start.year) in period["label"]
    assert [e["period"] for e in body["properties"]["evidence"]] == [season.key]


def test_another_period_shows_its_own_figures(api_as, world):
    evidence_row(challenge=world.open, source="sensors", name="night_anomaly", value=0.7)
    wave = EvidencePeriod.objects.create(
        key="heat-wave-2026-07-18",
        kind="heat_wave",
        start=shown_season().start.replace(month=7, day=18),
        end=shown_season().start.replace(month=7, day=26),
    )
    evidence_row(
        challenge=world.open, source="sensors", name="night_anomaly", value=1.9, period=wave
    )

    body = api_as("anonymous").get(f"{URL}{world.open.pk}/", {"period": wave.key}).json()

    assert body["properties"]["period"]["key"] == wave.key
    assert [e["value"] for e in body["properties"]["evidence"]] == [1.9]


@pytest.mark.parametrize(
    "value", ["", "2026-09-30..2026-06-01", "2026-13-01..2026-14-01", "season-1850"]
)
def test_an_empty_reversed_malformed_or_unknown_period_is_a_400_naming_it(api_as, world, value):
    for url in (URL, f"{URL}{world.open.pk}/", "/api/v1/sensors/"):
        response = api_as("anonymous").get(url, {"period": value})

        assert response.status_code == 400, (url, response.content)
        assert "period" in response.json()


@pytest.mark.parametrize("rows", [2, 12])
def test_freshness_costs_the_same_queries_for_few_and_many_challenges(
    rows, officer, officer_api, heat
):
    ChallengeFactory.create_batch(rows, theme=heat, owner=officer, status=Challenge.Status.OPEN)

    with CaptureQueriesContext(connection) as queries:
        response = officer_api.get(URL)

    assert len(response.json()["features"]) == rows
    stale_queries = [q["sql"] for q in queries if "civic_evidencestale" in q["sql"]]
    assert len(stale_queries) == 1, stale_queries


def test_the_list_costs_the_same_queries_for_few_and_many_challenges(
    officer, officer_api, heat, django_assert_num_queries
):
    ChallengeFactory.create_batch(2, theme=heat, owner=officer, status=Challenge.Status.OPEN)
    officer_api.get(URL)  # warms the one-off lookups (content types, roles)
    with CaptureQueriesContext(connection) as few:
        officer_api.get(URL)
    ChallengeFactory.create_batch(10, theme=heat, owner=officer, status=Challenge.Status.OPEN)

    with django_assert_num_queries(len(few)):
        response = officer_api.get(URL)

    assert len(response.json()["features"]) == 12


def test_the_schema_documents_period_and_freshness(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    challenge = schema["components"]["schemas"]["Challenge"]["properties"]["properties"]
    assert "freshness" in challenge["properties"] and "period" in challenge["properties"]
    parameters = schema["paths"][URL]["get"]["parameters"]
    assert any(p["name"] == "period" for p in parameters)


def test_generating_the_schema_asks_the_database_nothing(db, django_assert_num_queries):
    # `check --deploy` generates it in CI against a database without tables.
    with django_assert_num_queries(0):
        schema = SchemaGenerator().get_schema(request=None, public=True)

    assert "/api/v1/challenges/" in schema["paths"]

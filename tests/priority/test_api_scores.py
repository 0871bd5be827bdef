"""GET /api/v1/priority/scores/: the ranking with breakdowns, public, for a chosen period."""

from priority import services
from tests.factories import shown_season


def test_scores_come_ranked_with_breakdown_equal_weights_and_missing_criteria(api_as, ranked):
    services.scores_recompute()

    body = api_as("anonymous").get("/api/v1/priority/scores/").json()

    assert body["period"]["key"] == shown_season().key
    first = body["results"][0]
    assert (first["rank"], first["title"]) == (1, "Hot square")
    assert first["equal_weights_score"] == first["score"]  # no version set: equal weights
    assert first["weights_version"] is None
    lines = {line["criterion"]: line for line in first["breakdown"]}
    assert lines["heat"]["raw_text"] == "1.5 °C"
    assert lines["heat"]["period"] == shown_season().key
    assert lines["survey"]["period"] == "to-date"
    plain = body["results"][-1]
    heat = next(line for line in plain["breakdown"] if line["criterion"] == "heat")
    assert heat["missing"] is True and heat["normalised"] is None and heat["contribution"] is None
    assert heat["period"] == shown_season().key  # where it was looked for
    assert plain["criteria_present"] < plain["criteria_total"] == 6


def test_an_unknown_period_is_a_400_naming_period(api_as, ranked):
    response = api_as("council").get("/api/v1/priority/scores/?period=summer-1999")

    assert response.status_code == 400 and "period" in response.json()


def test_council_themes_are_set_by_administrators_only(api_as, heat):
    body = {"themes": ["heat"], "note": "Coalitieakkoord"}
    for role, status in (("council", 403), ("officer", 403), ("resident", 403), ("anonymous", 401)):
        answer = api_as(role).post("/api/v1/priority/council-themes/", body, format="json")
        assert answer.status_code == status, role

    created = api_as("admin_user").post("/api/v1/priority/council-themes/", body, format="json")

    assert created.status_code == 201
    listed = api_as("anonymous").get("/api/v1/priority/council-themes/").json()
    assert [(v["themes"], v["set_by"], v["in_force"]) for v in listed] == [
        (["heat"], "an administrator", True)
    ]


def test_the_scores_api_costs_the_same_queries_for_3_or_12_challenges(api_as, ranked, heat):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from civic.models import Challenge
    from tests.factories import ChallengeFactory, evidence_row

    services.scores_recompute()
    client = api_as("council")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/priority/scores/").status_code == 200
        return len(queries)

    few = count()
    for n in range(9):
        challenge = ChallengeFactory(theme=heat, status=Challenge.Status.OPEN)
        evidence_row(challenge=challenge, source="sensors", name="night_anomaly", value=n)
    services.scores_recompute()

    assert count() == few

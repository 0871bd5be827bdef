"""The evaluation runs of an intervention in the API: every run, newest first, same visibility."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from interventions.evaluation import evaluation_run
from interventions.models import Intervention
from tests.interventions.conftest import propose
from tests.interventions.test_evaluation import plant
from tests.interventions.test_evaluation_runs import completed, started  # noqa: F401

pytestmark = pytest.mark.django_db


def get(url: str, *, user=None, language: str = "en"):
    client = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_authenticate(user)
    return client.get(url)


def test_every_run_of_every_figure_newest_first_with_its_sentence(
    officer,
    completed,  # noqa: F811
    municipality,
):
    # given: a wadi measured twice as data came in
    Intervention.objects.filter(pk=completed.pk).update(kind="water_storage")
    completed.refresh_from_db()
    plant(officer, effect=-0.8, drifting=1, others={"soil_moisture": -4.0, "wet_feet_hours": -3.0})
    evaluation_run(intervention=completed, today=date(2026, 9, 1))
    evaluation_run(intervention=completed, today=date(2026, 9, 30))
    url = f"/api/v1/interventions/{completed.pk}/evaluations/"

    # when: anyone reads it
    answer = get(url)
    dutch = get(url, language="nl")

    # then
    assert answer.status_code == 200
    rows = answer.json()
    assert len(rows) == 6  # three figures, two runs each
    assert [row["counts"]["nights_after"] for row in rows[:3]] == [82] * 3
    assert [row["counts"]["nights_after"] for row in rows[3:]] == [53] * 3
    night = next(row for row in rows if row["figure"] == "night_anomaly")
    assert night["verdict"] == "cooler" and night["low"] <= -0.8 <= night["high"]
    assert night["sentence"].startswith("Since the work was completed, nights near the site")
    assert night["match"]["candidates"] == 5 and night["match"]["chosen"] == 4
    assert night["match"]["controls"][-1]["chosen"] is False
    assert "2026-05-01" < night["placebo"]["night"] <= "2026-06-30"
    assert night["placebo"]["low"] <= night["placebo"]["effect"] <= night["placebo"]["high"]
    assert night["loo_min"] <= night["effect"] <= night["loo_max"]
    assert (night["before_first"], night["after_last"]) == ("2026-05-01", "2026-09-30")
    assert "Newey-West" in night["method"] and night["missing"] == []
    assert len(night["chart"]) == 21
    soil = next(row for row in rows if row["figure"] == "soil_moisture")
    assert soil["verdict"] == "lower" and "drier" in soil["sentence"]
    dutch_night = next(row for row in dutch.json() if row["figure"] == "night_anomaly")
    assert dutch_night["sentence"].startswith("Sinds het werk klaar is")
    dutch_soil = next(row for row in dutch.json() if row["figure"] == "soil_moisture")
    assert "procentpunt droger" in dutch_soil["sentence"]


def test_a_proposal_you_may_not_see_is_not_found_and_no_site_is_an_empty_list(resident, challenge):
    proposal = propose(resident, challenge)
    Intervention.objects.filter(pk=proposal.pk).update(site=None)
    url = f"/api/v1/interventions/{proposal.pk}/evaluations/"

    assert get(url).status_code == 404  # not public yet
    mine = get(url, user=resident)
    assert mine.status_code == 200 and mine.json() == []

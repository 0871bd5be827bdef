"""Controls matched on their nights before the works, figures per kind, settings, the chart."""

import json
import re
from datetime import date

import pytest
from django.test import override_settings
from django.urls import reverse

from interventions.evaluation import evaluation_run
from interventions.models import ImpactEvaluation, Intervention
from tests.interventions.test_evaluation import evaluate, plant
from tests.interventions.test_evaluation_runs import completed, started  # noqa: F401

pytestmark = pytest.mark.django_db
AUTUMN = date(2026, 11, 30)
NO_MATCHING = {"max_controls": 10, "max_sd_ratio": 1000.0}


def page(client, intervention, language="en") -> str:
    url = reverse("interventions:detail", args=[intervention.pk])
    return client.get(url, HTTP_ACCEPT_LANGUAGE=language).content.decode()


def test_a_control_that_drifted_before_the_works_is_left_out(officer, municipality):
    # given: four controls run parallel to the site, a fifth warms 3 °C through the before window
    plant(officer, effect=-0.8, drifting=1)

    # when
    matched, _windows = evaluate()
    with override_settings(INTERVENTIONS_CONTROL_MATCH=NO_MATCHING):
        unmatched, _windows = evaluate()

    # then: the drifting control is the one left out, and the report says so
    match = matched.match
    assert len(match.chosen) == 4 and len(match.candidates.controls) == 5
    left_out = [t for t in match.candidates.controls if t.sensor not in match.chosen]
    assert len(left_out) == 1
    assert left_out[0].mean_difference < -1.0  # the warm drifter: far above the site on average
    assert left_out[0].sd_difference == max(t.sd_difference for t in match.candidates.controls)
    # Before the works the chosen controls' gap stays level; with the drifter it slides.
    assert abs(match.matched.trend_gap) < 0.15 < abs(match.candidates.trend_gap)
    # And it matters: the planted cooling is recovered only with the drifter left out.
    assert matched.counts.control_sensors == 4 and unmatched.counts.control_sensors == 5
    assert matched.low <= -0.8 <= matched.high
    assert not unmatched.low <= -0.8 <= unmatched.high


def test_the_page_reports_the_match_in_words(officer, completed, municipality, client):  # noqa: F811
    plant(officer, effect=-0.8, drifting=1)

    run = evaluation_run(intervention=completed, today=AUTUMN)
    text = page(client, completed)

    assert run.match["candidates"] == 5 and run.match["chosen"] == 4
    assert [c["chosen"] for c in run.match["controls"]] == [True] * 4 + [False]
    # Candidates by rank only: which sensor is a control (and so where) stays private.
    assert not re.search(r"\bs\d+\b", json.dumps(run.match))
    assert "Comparison places: 4 of 5 sensors 400 to 1,500 m away" in text
    assert "(all 5 candidates:" in text
    dutch = page(client, completed, "nl")
    assert "Vergelijkingsplekken: 4 van de 5 sensoren op 400 tot 1.500 m afstand" in dutch
    assert "(alle 5 kandidaten:" in dutch


def test_water_storage_is_also_measured_on_soil_moisture_and_standing_water(
    officer,
    completed,  # noqa: F811
    municipality,
    client,
):
    # given: a wadi that dried the soil by 4 points and shortened standing water by 3 hours
    Intervention.objects.filter(pk=completed.pk).update(kind="water_storage")
    completed.refresh_from_db()
    plant(officer, effect=-0.8, others={"soil_moisture": -4.0, "wet_feet_hours": -3.0})

    # when
    evaluation_run(intervention=completed, today=AUTUMN)

    # then: one row per figure, verdicts that fit the figure, sentences that say it
    runs = {run.figure: run for run in ImpactEvaluation.objects.filter(intervention=completed)}
    assert set(runs) == {"night_anomaly", "soil_moisture", "wet_feet_hours"}
    assert runs["night_anomaly"].verdict == "cooler"
    assert runs["soil_moisture"].verdict == "lower"
    assert runs["soil_moisture"].low <= -4.0 <= runs["soil_moisture"].high
    assert runs["wet_feet_hours"].verdict == "lower"
    text = page(client, completed)
    assert "the soil near the site has been" in text
    assert "percentage points drier than at comparable places" in text
    assert "hours a day less than at comparable places" in text
    assert "cooler" not in text.split("the soil near the site")[1].split(".")[0]
    dutch = page(client, completed, "nl")
    assert "procentpunt droger dan op vergelijkbare plekken" in dutch
    assert "uur per dag minder lang water dan op vergelijkbare plekken" in dutch


def test_trees_are_also_measured_on_the_warmest_hours_of_the_day(
    officer,
    completed,  # noqa: F811
    municipality,
    client,
):
    Intervention.objects.filter(pk=completed.pk).update(kind="trees")
    completed.refresh_from_db()
    plant(officer, effect=-0.8, others={"t_max": -1.5})

    evaluation_run(intervention=completed, today=AUTUMN)

    t_max = ImpactEvaluation.objects.get(intervention=completed, figure="t_max")
    assert t_max.verdict == "cooler" and t_max.low <= -1.5 <= t_max.high
    assert "the warmest hours of the day near the site have been" in page(client, completed)
    # A depaving is measured on the night alone.
    assert not ImpactEvaluation.objects.filter(figure="soil_moisture").exists()


def test_the_minimums_and_the_radius_are_settings(officer, completed, municipality):  # noqa: F811
    plant(officer, effect=-0.8)

    with override_settings(
        INTERVENTIONS_EVALUATION_MIN={"impact_sensors": 2, "control_sensors": 5}
    ):
        five = evaluation_run(intervention=completed, today=date(2026, 9, 1))
    with override_settings(INTERVENTIONS_IMPACT_RADIUS_M={"depaving": 70, "default": 150}):
        near = evaluation_run(intervention=completed, today=date(2026, 9, 2))
    with override_settings(INTERVENTIONS_CONTROL_MATCH={"max_controls": 3, "max_sd_ratio": 9}):
        three = evaluation_run(intervention=completed, today=date(2026, 9, 3))
    default = evaluation_run(intervention=completed, today=date(2026, 9, 4))

    assert five.verdict == "not_enough_data"
    assert five.missing == [{"what": "control_sensors", "have": 4, "need": 5}]
    assert near.verdict == "not_enough_data"  # only the sensor at 60 m is within 70 m
    assert near.missing == [{"what": "impact_sensors", "have": 1, "need": 2}]
    assert three.counts["control_sensors"] == 3 and three.match["chosen"] == 3
    assert default.verdict == "cooler" and default.counts["control_sensors"] == 4


def test_the_chart_shows_before_and_after_with_a_table(officer, completed, municipality, client):  # noqa: F811
    plant(officer, effect=-0.8)

    run = evaluation_run(intervention=completed, today=AUTUMN)
    text = page(client, completed)

    # Stored with the run: 9 weeks before (61 nights), 12 after (82 nights).
    sides = [week["side"] for week in run.chart]
    assert sides.count("before") == 9 and sides.count("after") == 12
    assert sum(week["nights"] for week in run.chart) == 61 + 82
    # The impact line after the works lies below the control line, as planted.
    after = [w for w in run.chart if w["side"] == "after"]
    assert all(w["impact"] < w["control"] for w in after)
    # Drawn on the server: an SVG that scales, four lines, a caption naming the windows.
    svg = re.search(r"<svg [^>]*viewBox=\"0 0 480 300\"[^>]*>(.*?)</svg>", text, re.S)
    assert svg is not None and 'width="100%"' in svg.group(0)
    assert svg.group(1).count("<polyline") == 4
    assert "<script" not in text.split('id="measured-effect"')[1].split("</section>")[0]
    caption = re.search(r"<figcaption[^>]*>(.*?)</figcaption>", text, re.S).group(1)
    caption = " ".join(caption.split())
    assert "before the work (May 1, 2026 \u2013 June 30, 2026)" in caption
    assert "after it (July 11, 2026 \u2013 Sept. 30, 2026)" in caption  # the warm season's end
    assert "The chart's figures as a table" in text
    table = text.split('id="measured-chart"')[1].split("<tbody>")[1].split("</tbody>")[0]
    assert table.count("<tr>") == 21


def test_the_challenge_page_says_the_measured_effect(
    officer,
    completed,  # noqa: F811
    challenge,
    municipality,
    client,
):
    plant(officer, effect=-0.8)
    evaluation_run(intervention=completed, today=AUTUMN)

    url = reverse("civic:challenge_detail", args=[challenge.pk])
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    dutch = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    panel = english.split('id="panel-interventions-title"')[1]
    assert "Measured effect:" in panel
    assert "nights near the site have been" in panel and "cooler than comparable places" in panel
    assert "Sinds het werk klaar is, zijn de nachten bij de plek" in dutch

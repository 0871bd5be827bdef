"""Stored evaluation runs: queued on completion, kept per run, on the page, bad input named."""

import re
from datetime import date

import numpy as np
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from civic.workflow import transition
from interventions.evaluation import evaluation_run, evaluations_sweep
from interventions.models import ImpactEvaluation, Intervention
from sensors.models import SensorDay
from tests.interventions.test_evaluation import SITE, WORKS, plant
from tests.sensors.conftest import from_rd

pytestmark = pytest.mark.django_db
S = Intervention.Status


def started(officer, council, challenge) -> Intervention:
    """A depaving at the planted site, agreed in June 2026 and started on 1 July."""
    from tests.interventions.conftest import awaiting, decide

    with time_machine.travel(date(2026, 6, 1)):
        intervention = awaiting(officer, challenge)
        Intervention.objects.filter(pk=intervention.pk).update(site=from_rd(SITE.x, SITE.y))
        intervention.refresh_from_db()
        decide(council, intervention, "agreed")
    with time_machine.travel(date(2026, 7, 1)):
        transition(intervention, S.IN_PROGRESS, actor=officer)
    return intervention


@pytest.fixture
def completed(officer, council, challenge):
    """The depaving, carried out 1-10 July 2026."""
    intervention = started(officer, council, challenge)
    with time_machine.travel(date(2026, 7, 10)):
        transition(intervention, S.COMPLETED, actor=officer)
    intervention.refresh_from_db()
    assert (intervention.actual_start, intervention.actual_end) == WORKS
    return intervention


def test_completing_queues_the_evaluation_and_the_page_says_it(
    officer, council, challenge, municipality, client, django_capture_on_commit_callbacks
):
    plant(officer, effect=-0.8)
    intervention = started(officer, council, challenge)
    # Completed late in autumn, with the works' real end on record.
    with time_machine.travel(date(2026, 11, 30)):
        Intervention.objects.filter(pk=intervention.pk).update(actual_end=WORKS[1])
        with django_capture_on_commit_callbacks(execute=True):
            transition(intervention, S.COMPLETED, actor=officer)
        run = ImpactEvaluation.objects.get(intervention=intervention)
        page = client.get(
            reverse("interventions:detail", args=[intervention.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()

    assert run.verdict == "cooler" and run.low <= -0.8 <= run.high
    assert "Since the work was completed, nights near the site have been" in page
    assert "cooler than comparable places" in page


def test_new_data_adds_a_run_and_keeps_the_earlier_one(officer, completed, municipality):
    plant(officer, effect=-0.8)
    # September's nights have not arrived yet.
    september = list(SensorDay.objects.filter(day__gte=date(2026, 9, 1)))
    SensorDay.objects.filter(day__gte=date(2026, 9, 1)).delete()
    first = evaluation_run(intervention=completed, today=date(2026, 9, 5))

    # Days go by without new data: the same run, not one a day.
    assert evaluation_run(intervention=completed, today=date(2026, 9, 5)).pk == first.pk
    assert evaluation_run(intervention=completed, today=date(2026, 9, 12)).pk == first.pk
    SensorDay.objects.bulk_create(september)
    later = evaluation_run(intervention=completed, today=date(2026, 9, 30))

    assert later.pk != first.pk
    assert later.counts["nights_after"] > first.counts["nights_after"]
    assert ImpactEvaluation.objects.filter(intervention=completed).count() == 2
    assert ImpactEvaluation.objects.filter(pk=first.pk).exists()


def test_the_sweep_runs_every_completed_intervention(officer, completed, municipality):
    plant(officer, effect=-0.8)

    with time_machine.travel(date(2026, 10, 2)):
        assert evaluations_sweep() == 1
        assert evaluations_sweep() == 0


def test_an_intervention_without_a_site_gets_a_clear_message(completed):
    Intervention.objects.filter(pk=completed.pk).update(site=None)
    completed.refresh_from_db()

    with pytest.raises(ValidationError) as refused:
        evaluation_run(intervention=completed)

    assert "site" in refused.value.message_dict
    assert not ImpactEvaluation.objects.exists()


def test_not_enough_data_shows_no_figures_of_the_one_garden_near_the_site(
    officer, completed, municipality, client
):
    plant(officer, effect=-0.8, impact=1)

    run = evaluation_run(intervention=completed, today=date(2026, 9, 30))
    page = client.get(
        reverse("interventions:detail", args=[completed.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    api = client.get(f"/api/v1/interventions/{completed.pk}/evaluations/").json()

    assert run.verdict == "not_enough_data"
    # No weekly means and no tracking figures: with one sensor near the site they would be
    # that garden's own nights.
    assert run.chart == [] and set(run.match) == {"rule", "candidates", "chosen"}
    assert 'id="measured-chart"' not in page
    assert "Not enough data yet" in page
    assert api and all(entry["chart"] == [] for entry in api)


def test_one_failing_evaluation_does_not_stop_the_sweep(
    officer, council, challenge, completed, municipality, monkeypatch, caplog
):
    from interventions import evaluation

    plant(officer, effect=-0.8)
    broken = started(officer, council, challenge)
    with time_machine.travel(date(2026, 7, 10)):
        transition(broken, S.COMPLETED, actor=officer)
    real = evaluation.evaluation_run

    def fails_for_one(*, intervention, **kwargs):
        if intervention.pk == broken.pk:
            raise np.linalg.LinAlgError("Singular matrix")
        return real(intervention=intervention, **kwargs)

    monkeypatch.setattr(evaluation, "evaluation_run", fails_for_one)
    # Whichever comes first, the other is still measured and the failure is logged.
    with time_machine.travel(date(2026, 10, 2)):
        assert evaluations_sweep() == 1

    assert ImpactEvaluation.objects.filter(intervention=completed).exists()
    assert f"Evaluation of intervention {broken.pk} failed" in caplog.text


def test_the_chart_draws_in_dutch_with_numbers_the_svg_can_read(
    officer, completed, municipality, client
):
    plant(officer, effect=-0.8)
    evaluation_run(intervention=completed, today=date(2026, 9, 30))

    page = client.get(
        reverse("interventions:detail", args=[completed.pk]), HTTP_ACCEPT_LANGUAGE="nl"
    ).content.decode()

    svg = page[page.index("<svg viewBox") : page.index("</svg>")]
    # Dutch writes 12,5: in an SVG coordinate that breaks the drawing (labels at 0).
    assert "voor" in svg and "vergelijkingsplekken" in svg
    coordinates = re.findall(r'\b(?:x|y|x1|x2|y1|y2|points|width|height)="([^"]*)"', svg)
    assert coordinates and not any(
        re.search(r"\d,\d", value) for value in coordinates if " " not in value
    )
    assert all(
        re.fullmatch(r"-?[\d.]+,-?[\d.]+", pair)
        for value in re.findall(r'points="([^"]*)"', svg)
        for pair in value.split()
    )

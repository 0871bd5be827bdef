"""Stored evaluation runs: queued on completion, kept per run, on the page, bad input named."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from civic.workflow import transition
from interventions.evaluation import evaluation_run, evaluations_sweep
from interventions.models import ImpactEvaluation, Intervention
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
    first = evaluation_run(intervention=completed, today=date(2026, 9, 1))

    again = evaluation_run(intervention=completed, today=date(2026, 9, 1))
    assert again.pk == first.pk  # nothing new: no duplicate run
    later = evaluation_run(intervention=completed, today=date(2026, 9, 30))

    assert later.pk != first.pk
    assert later.counts["nights_after"] > first.counts["nights_after"]
    assert ImpactEvaluation.objects.filter(intervention=completed).count() == 2


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

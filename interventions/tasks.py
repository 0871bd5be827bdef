"""Celery tasks of interventions: thin wrappers around one service each."""

import logging

from celery import shared_task
from django.db import transaction

from interventions.services import consultations_close_ended, followups_send

logger = logging.getLogger(__name__)


@shared_task(name="interventions.close_consultations", acks_late=True)
def close_consultations() -> int:
    """Send proposals whose consultation ended to the council.

    Idempotent: it moves only proposals still in consultation after their last
    day, so a second run (or a redelivered message) finds nothing left to move.
    """
    return consultations_close_ended()


@shared_task(name="interventions.evaluate", acks_late=True)
def evaluate(intervention_id: int) -> int | None:
    """Evaluate one completed intervention (queued when it is completed); the run's id."""
    from interventions.evaluation import evaluation_run
    from interventions.models import Intervention

    intervention = Intervention.objects.filter(pk=intervention_id).first()
    if intervention is None or intervention.site is None:
        return None
    run = evaluation_run(intervention=intervention)
    return run.pk if run else None


@shared_task(name="interventions.evaluations_sweep", acks_late=True)
def evaluations_sweep() -> int:
    """Re-run the evaluations as new sensor data arrives; a run is kept only when data changed."""
    from interventions.evaluation import evaluations_sweep as sweep

    return sweep()


@shared_task(name="interventions.followups_send", acks_late=True)
def send_followups() -> int:
    """Daily: ask the stakeholders of works completed some weeks ago whether it helped.

    Idempotent: each person is asked once per intervention (a unique row), so a second
    run, a redelivered message or two workers at once ask nobody twice.
    """
    return followups_send()


def evaluate_after_commit(intervention_id: int) -> None:
    """Queue `evaluate` once the current transaction commits (works completed, start moved).

    A queue that is down does not undo the committed change: the hourly sweep
    measures the intervention later, so the failure is only logged.
    """

    def send() -> None:
        try:
            evaluate.delay(intervention_id)
        except Exception:
            logger.warning(
                "Could not queue the evaluation of intervention %s", intervention_id, exc_info=True
            )

    transaction.on_commit(send)

"""The interventions section of a challenge page (civic.challenge_parts.Panel)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from civic.models import Challenge, EvidencePeriod
from civic.roles import RESIDENT, is_staff_member, user_has_role
from interventions.evaluation import evaluation_sentence
from interventions.followup_results import followup_results_for
from interventions.models import Intervention
from interventions.selectors import (
    consultation_is_open,
    evaluations_latest,
    interventions_visible_to,
)
from interventions.services import PUBLIC_CHALLENGE


def panel_context(
    challenge: Challenge, request: HttpRequest, period: EvidencePeriod | None
) -> dict[str, Any]:
    """The challenge's interventions this reader may see, and whether they may propose one."""
    user = request.user
    interventions = list(interventions_visible_to(user=user).filter(challenge=challenge))
    completed = [i.pk for i in interventions if i.status == Intervention.Status.COMPLETED]
    latest = evaluations_latest(completed) if completed else {}
    answers = followup_results_for([i.pk for i in interventions])
    for intervention in interventions:
        intervention.consultation_open = consultation_is_open(intervention)
        # Residents' answers, as published (counts from 5 answers): next to its stage.
        results = answers.get(intervention.pk)
        intervention.followup_summary = results.summary() if results else ""
        # The night anomaly's sentence first, then the kind's other figures (stored runs).
        intervention.measured = [
            evaluation_sentence(run) for run in latest.get(intervention.pk, [])
        ]
    may_propose = challenge.status in PUBLIC_CHALLENGE and (
        is_staff_member(user) or user_has_role(user, RESIDENT) or not user.is_authenticated
    )
    return {
        "interventions": interventions,
        "may_propose": may_propose,
        "new_url": f"{reverse('interventions:new')}?challenge={challenge.pk}",
    }

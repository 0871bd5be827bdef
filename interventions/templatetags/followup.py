"""The follow-up section of an intervention's page, so the page's view need not know it."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

from civic.roles import is_staff_member
from interventions.followup_results import followup_comments, followup_results
from interventions.forms import FollowUpForm
from interventions.models import FollowUp, Intervention
from interventions.services import followup_closes_on, followup_of

register = template.Library()


@register.simple_tag(takes_context=True)
def followup_block(context, intervention: Intervention) -> dict[str, Any]:
    """The public results, the reader's own open question and, for officers, the comments."""
    request = context.get("request")
    user = getattr(request, "user", None)
    results = followup_results(intervention.pk)
    mine = followup_of(intervention=intervention, user=user)
    open_question = (
        mine is not None
        and mine.status == FollowUp.Status.ASKED
        and timezone.localdate() <= followup_closes_on(mine)
    )
    staff = is_staff_member(user)
    return {
        "visible": bool(results.asked),
        "results": results,
        "mine": mine if open_question else None,
        "answered": mine is not None and mine.status == FollowUp.Status.ANSWERED,
        "closes_on": followup_closes_on(mine) if mine else None,
        "form": FollowUpForm() if open_question else None,
        "comments": list(followup_comments(intervention.pk)) if staff else None,
    }

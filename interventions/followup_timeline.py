"""The follow-up's entry in a challenge's public timeline (civic.challenge_parts source).

One entry per completed, public intervention whose stakeholders were asked: the
day the first question went out, and the counts once enough residents answered
(interventions.followup_results decides); never a name or a comment.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.db.models import Min
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from civic.challenge_parts import TimelineEntry
from civic.models import Challenge
from interventions.followup_results import FollowUpResults, followup_results_for
from interventions.models import FollowUp
from interventions.selectors import interventions_visible_to


def followup_timeline(challenge: Challenge) -> list[TimelineEntry]:
    """ "Residents were asked whether it helped" per intervention, with the public counts."""
    public = interventions_visible_to(user=AnonymousUser()).filter(challenge=challenge)
    first_asked = dict(
        FollowUp.objects.filter(intervention__in=public.values("pk"))
        .values("intervention_id")
        .annotate(first=Min("sent_at"))
        .order_by()
        .values_list("intervention_id", "first")
    )
    if not first_asked:
        return []
    results = followup_results_for(first_asked)
    titles = dict(public.filter(pk__in=first_asked).values_list("pk", "title"))
    return [
        TimelineEntry(
            day=timezone.localdate(first),
            kind="answers",
            title=_("Residents were asked whether it helped"),
            text=_lazy_text(titles.get(pk, ""), results[pk].published()),
            url=reverse("interventions:detail", args=[pk]),
            order=200,
        )
        for pk, first in first_asked.items()
    ]


def _text(title: str, results: FollowUpResults) -> str:
    return f"“{title}”: {results.summary()}"


# Put in words when shown, in the reader's language (the entry may be built in another).
_lazy_text = lazy(_text, str)

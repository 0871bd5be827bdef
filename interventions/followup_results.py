"""What residents answered about completed works, as it may be published: counts, never names.

The one rule for every reader (pages, API, open data, the challenge's timeline):
the counts of yes / no / not sure are shown once at least MIN_ANSWERS residents
answered; below that only "fewer than 5 answers so far", so that nobody's answer
can be told from a count of one or two. Comments are never public (officers read
them on the intervention's page and in the admin).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext, ngettext

from interventions.models import FollowUp

# Fewer answers than this and no count is shown (a privacy rule, not a tuning knob).
MIN_ANSWERS = 5
A = FollowUp.Answer


@dataclass(frozen=True)
class FollowUpResults:
    """The answers about one intervention; `shown` says whether the counts may be published."""

    asked: int = 0
    answered: int = 0
    yes: int = 0
    no: int = 0
    not_sure: int = 0

    @property
    def shown(self) -> bool:
        return self.answered >= MIN_ANSWERS

    def published(self) -> FollowUpResults:
        """A copy holding only what may be published: the counts zeroed while suppressed."""
        return self if self.shown else FollowUpResults(asked=self.asked)

    def public(self) -> dict[str, Any]:
        """The publishable figures: the counts are None while suppressed."""
        shown = self.shown
        return {
            "asked": self.asked,
            "suppressed": not shown,
            "minimum_answers": MIN_ANSWERS,
            "answered": self.answered if shown else None,
            "yes": self.yes if shown else None,
            "no": self.no if shown else None,
            "not_sure": self.not_sure if shown else None,
            "summary": self.summary(),
        }

    def summary(self) -> str:
        """The figures in words, in the active language ("" when nobody was asked)."""
        if not self.asked:
            return ""
        if not self.shown:
            return gettext("Fewer than %(n)d answers so far.") % {"n": MIN_ANSWERS}
        return ngettext(
            "%(n)d resident answered: %(yes)d yes, %(no)d no, %(not_sure)d not sure.",
            "%(n)d residents answered: %(yes)d yes, %(no)d no, %(not_sure)d not sure.",
            self.answered,
        ) % {"n": self.answered, "yes": self.yes, "no": self.no, "not_sure": self.not_sure}


def _counted(queryset: QuerySet[FollowUp]) -> QuerySet:
    answered = Q(status=FollowUp.Status.ANSWERED)
    return queryset.values("intervention_id").annotate(
        asked=Count("id"),
        answered=Count("id", filter=answered),
        yes=Count("id", filter=answered & Q(answer=A.YES)),
        no=Count("id", filter=answered & Q(answer=A.NO)),
        not_sure=Count("id", filter=answered & Q(answer=A.NOT_SURE)),
    )


def followup_results_for(ids: Iterable[int]) -> dict[int, FollowUpResults]:
    """Each intervention's answers in one query; an intervention nobody was asked about is absent.

    The caller decides which interventions the reader may see (interventions_visible_to).
    """
    rows = _counted(FollowUp.objects.filter(intervention_id__in=list(ids)))
    return {row.pop("intervention_id"): FollowUpResults(**row) for row in rows.order_by()}


def followup_results(intervention_id: int) -> FollowUpResults:
    return followup_results_for([intervention_id]).get(intervention_id, FollowUpResults())


def followup_comments(intervention_id: int) -> QuerySet[FollowUp]:
    """Officers only: the answers with a comment, newest first (the page shows no names)."""
    return (
        FollowUp.objects.filter(intervention_id=intervention_id, status=FollowUp.Status.ANSWERED)
        .exclude(comment="")
        .only("answer", "comment", "answered_at")
        .order_by("-answered_at", "-id")
    )

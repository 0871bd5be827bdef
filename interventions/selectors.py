"""Reads of interventions: who sees which proposal and comment text, stages, consultation state."""

from __future__ import annotations

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    Count,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.challenge_parts import Stage
from civic.models import Challenge, WorkflowEvent
from civic.roles import COUNCIL, is_staff_member, user_has_role
from civic.selectors import history_of
from interventions.models import Comment, Decision, ImpactEvaluation, Intervention, Milestone

S = Intervention.Status
# Not public until an officer has looked at it, or never taken further.
INTERNAL_STATUSES = (S.PROPOSED, S.UNDER_REVIEW, S.NOT_TAKEN_UP, S.WITHDRAWN)

# The challenge's pipeline stage each status reports (civic.challenge_parts: prioritised is 20).
# The stage is public, so only public statuses count: a proposal still under review is
# the officers' business and one that went nowhere does not advance it.
STAGES = {
    S.IN_CONSULTATION: Stage("consultation", _("in consultation"), 40),
    S.AWAITING_DECISION: Stage("awaiting_decision", _("awaiting decision"), 50),
    S.AGREED: Stage("agreed", _("intervention agreed"), 60),
    S.IN_PROGRESS: Stage("in_progress", _("intervention in progress"), 70),
    S.COMPLETED: Stage("completed", _("intervention completed"), 80),
}
_BY_RANK = {stage.rank: stage for stage in STAGES.values()}


def interventions_visible_to(*, user) -> QuerySet[Intervention]:
    """The one rule: officers see every proposal; others the public ones and their own.

    Public: reviewed and taken further (in consultation or beyond), on a challenge that is
    not a draft.
    """
    queryset = Intervention.objects.select_related("challenge", "challenge__theme").annotate(
        support_count=Count("supports", distinct=True)
    )
    if is_staff_member(user):
        return queryset.order_by("-created_at", "-id")
    public = Q(~Q(status__in=INTERNAL_STATUSES), ~Q(challenge__status=Challenge.Status.DRAFT))
    if user is not None and user.is_authenticated:
        public |= Q(proposer=user)
    return queryset.filter(public).order_by("-created_at", "-id")


def decides_for_the_council(user) -> bool:
    """Council members record and reopen decisions; not officers or administrators, even
    when they also hold the council role (the issue keeps the two apart)."""
    return user_has_role(user, COUNCIL) and not is_staff_member(user)


def consultation_is_open(intervention: Intervention, *, today: date | None = None) -> bool:
    """Supports and comments are taken in consultation up to and including its last day."""
    today = today or timezone.localdate()
    return (
        intervention.status == S.IN_CONSULTATION
        and intervention.consultation_end is not None
        and today <= intervention.consultation_end
    )


def comment_text_visible(comment: Comment, user) -> bool:
    """A hidden or removed comment's text reaches only its author and officers."""
    if comment.status == Comment.Status.VISIBLE:
        return True
    if is_staff_member(user):
        return True
    return bool(user and user.is_authenticated and comment.author_id == user.pk)


def comments_of(intervention: Intervention) -> QuerySet[Comment]:
    """Every comment of a proposal, oldest first, with its report count (texts: see above)."""
    return (
        Comment.objects.filter(intervention=intervention)
        .select_related("author")
        .annotate(report_count=Count("reports"))
        .order_by("created_at", "id")
    )


def moderation_queue() -> QuerySet[Comment]:
    """Comments hidden after reports, waiting for an officer, oldest first."""
    return (
        Comment.objects.filter(status=Comment.Status.HIDDEN)
        .select_related("intervention", "author")
        .prefetch_related("reports")
        .order_by("updated_at", "id")
    )


def decisions_of(intervention: Intervention) -> QuerySet[Decision]:
    return Decision.objects.filter(intervention=intervention).order_by("recorded_at", "id")


# Moves whose note is the council's public word: a decision's motivation, a reopen's reason.
# Every other note (not taken up, back to review, ...) is an officer's working note. The one
# rule for pages, API and notifications (interventions.workflow).
DECIDED = frozenset({S.AGREED, S.DECLINED, S.DEFERRED})
# Only a decision the council took can be reopened (by the council); a deferred proposal
# goes back on the agenda by an officer's hand, and no decision is reopened by that.
REOPENED_FROM = frozenset({S.AGREED, S.DECLINED})


def councils_move(from_state: str, to_state: str) -> bool:
    """A decision, or the council reopening one."""
    return to_state in DECIDED or (from_state in REOPENED_FROM and to_state == S.AWAITING_DECISION)


def note_is_public(from_state: str, to_state: str) -> bool:
    """The council's word, and a cancellation's reason (residents should know why the works
    will not happen); every other note is an officer's working note."""
    return councils_move(from_state, to_state) or to_state == S.CANCELLED


def notes_all_visible(intervention: Intervention, user) -> bool:
    """Officers, and the resident who proposed it, read every note of a proposal's history."""
    if is_staff_member(user):
        return True
    return bool(user and user.is_authenticated and intervention.proposer_id == user.pk)


def public_history(intervention: Intervention, *, user) -> list[WorkflowEvent]:
    """The audit trail as `user` may read it: states and dates; never who.

    Notes only of the council's public moves, unless `user` reads them all (see above).
    """
    events = list(
        history_of(intervention).select_related(None).only("from_state", "to_state", "note", "at")
    )
    if not notes_all_visible(intervention, user):
        for event in events:
            if not note_is_public(event.from_state, event.to_state):
                event.note = ""  # the page's copy only: never saved
    return events


def is_supporter(intervention: Intervention, user) -> bool:
    return bool(user and user.is_authenticated and intervention.supports.filter(user=user).exists())


def stages_for_challenges(ids: list[int]) -> dict[int, Stage]:
    """Each challenge's furthest intervention stage, in one query (challenge_parts source)."""
    rank = Case(
        *(When(status=status, then=Value(stage.rank)) for status, stage in STAGES.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    rows = (
        Intervention.objects.filter(challenge_id__in=ids)
        .values("challenge_id")
        .annotate(rank=Max(rank))
        .filter(rank__gt=0)
    )
    return {row["challenge_id"]: _BY_RANK[row["rank"]] for row in rows}


def supporters_of_challenge(challenge: Challenge):
    """Residents who supported any proposal for the challenge (a stakeholder source)."""
    return (
        get_user_model()
        .objects.filter(supports__intervention__challenge=challenge, is_active=True)
        .distinct()
    )


# Milestones are written while the works are agreed, going on or done.
MILESTONE_STATUSES = (S.AGREED, S.IN_PROGRESS, S.COMPLETED)


def milestones_of(intervention: Intervention) -> QuerySet[Milestone]:
    """A visible intervention's milestones, by date (they are as public as the intervention)."""
    return Milestone.objects.filter(intervention=intervention).order_by("date", "id")


def evaluations_of(intervention: Intervention) -> list[ImpactEvaluation]:
    """Every evaluation run of the intervention, newest first (all figures)."""
    return list(intervention.evaluations.order_by("-computed_at", "-id"))


def evaluations_latest(ids: list[int]) -> dict[int, list[ImpactEvaluation]]:
    """The latest run of each figure per intervention, night anomaly first; one query."""
    latest = (
        ImpactEvaluation.objects.filter(intervention_id__in=ids)
        .order_by("intervention_id", "figure", "-computed_at", "-id")
        .distinct("intervention_id", "figure")
    )
    found: dict[int, list[ImpactEvaluation]] = {}
    for run in latest:
        found.setdefault(run.intervention_id, []).append(run)
    for runs in found.values():
        runs.sort(key=lambda run: run.figure != "night_anomaly")
    return found

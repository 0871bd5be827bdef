"""The intervention's and the comment's states and moves in the core's workflow engine.

Intervention: proposed (a resident's) → under review (an officer's starts
here) → in consultation (the move sets the last day, which must lie ahead) →
awaiting decision → agreed / declined / deferred. Those three are made only
by recording a council decision (interventions.services.decision_record): the
move's guard asks for the decision written in the same transaction. Besides:
officers do not take a proposal up (with a note), the resident proposer
withdraws their own proposal while it is proposed, officers send a proposal
in consultation back to review (with a note) and put a deferred one back on
the agenda or in review, and a council member reopens a decision (with a
reason) to await a new one.

Comment: visible → hidden (the service itself, after enough reports) →
visible (restored) or removed, both by an officer with a note; officers may
also remove a visible comment directly.

Implementation (officers only): agreed → in progress → completed, and agreed
or in progress → cancelled with a reason, which is public. Going in progress
records the actual start, completing the actual end (never before the start)
and 100 %.

Follow-up (a resident's answer, interventions.services.followup): asked →
answered, recorded by the service for the person asked (signed in, or by their
e-mail link) without naming them in the event; the move records the answer and
its time.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models
from django.dispatch import receiver
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from civic.challenge_parts import stakeholders_of
from civic.models import WorkflowEvent
from civic.roles import COUNCIL, RESIDENT
from civic.workflow import STAFF, Notifier, Transition, Workflow, register, transitioned
from interventions.models import Comment, Decision, FollowUp, Intervention
from interventions.selectors import (
    DECIDED,
    REOPENED_FROM,
    decides_for_the_council,
    note_is_public,
)

S = Intervention.Status
C = Comment.Status
COUNCIL_ONLY = frozenset({COUNCIL})

# Steps every stakeholder of the challenge hears of (the others only reach the proposer).
PUBLIC_STEPS = frozenset(
    {S.IN_CONSULTATION, S.AGREED, S.DECLINED, S.DEFERRED, S.COMPLETED, S.CANCELLED}
)

PROPOSALS_KIND = "proposals"
COMMENTS_KIND = "comments"
FOLLOWUP_KIND = "followup"


def _proposer_only(intervention: models.Model, actor) -> str | None:
    if intervention.proposer_id is None or intervention.proposer_id != actor.pk:
        return str(_("Only the resident who proposed it may withdraw this proposal."))
    return None


def _not_staff(intervention: models.Model, actor) -> str | None:
    if not decides_for_the_council(actor):
        return str(_("Officers and administrators do not record or reopen council decisions."))
    return None


def _decided_by_council(outcome: str):
    """The guard of a move to an outcome: the decision recorded in this transaction says so."""

    def guard(intervention: models.Model) -> str | None:
        pending = Decision.objects.filter(
            intervention=intervention, outcome=outcome, event__isnull=True
        )
        if not pending.exists():
            return str(_("Record the council's decision: that moves the proposal."))
        return None

    return guard


@receiver(transitioned, sender=Intervention)
def _consultation_end_ahead(sender, obj, event, **kwargs) -> None:
    """The consultation's last day lies ahead when it opens (the guard runs before it is set)."""
    if event.to_state == S.IN_CONSULTATION and obj.consultation_end <= timezone.localdate():
        raise ValidationError(
            {"consultation_end": _("The consultation's last day must lie in the future.")}
        )


@receiver(transitioned, sender=Intervention)
def _actual_dates(sender, obj, event, **kwargs) -> None:
    """Going in progress dates the actual start; completing dates the end (not before it)."""
    today = timezone.localdate()
    if event.to_state == S.IN_PROGRESS and obj.actual_start is None:
        obj.actual_start = today
        obj.save(update_fields=["actual_start"])
    elif event.to_state == S.COMPLETED:
        start = obj.actual_start or today
        end = obj.actual_end or today
        if end < start:
            raise ValidationError(
                {
                    "actual_end": _(
                        "The works cannot be completed before they started (%(start)s)."
                    )
                    % {"start": formats.date_format(start, "DATE_FORMAT")}
                }
            )
        obj.actual_start, obj.actual_end, obj.progress = start, end, 100
        obj.save(update_fields=["actual_start", "actual_end", "progress"])


def _page(intervention: Intervention) -> str:
    return reverse("interventions:detail", args=[intervention.pk])


def _reaches_stakeholders(event: WorkflowEvent) -> bool:
    """Public steps, a reopened decision and a deferred proposal back on the council's agenda."""
    back = event.from_state in DECIDED and event.to_state == S.AWAITING_DECISION
    return event.to_state in PUBLIC_STEPS or back


def _public_note(event: WorkflowEvent) -> bool:
    """The same rule as the pages' (interventions.selectors.note_is_public)."""
    return note_is_public(event.from_state, event.to_state)


def _pulled_back(event: WorkflowEvent) -> bool:
    """A consultation stopped before its end: its supporters should know why it is gone."""
    return event.from_state == S.IN_CONSULTATION and event.to_state == S.UNDER_REVIEW


def _intervention_note(event: WorkflowEvent) -> str:
    """An officer's note reaches the proposer, never every stakeholder (as on the page)."""
    if (_reaches_stakeholders(event) or _pulled_back(event)) and not _public_note(event):
        return ""
    return event.note


def _intervention_recipients(event: WorkflowEvent) -> list[tuple]:
    """At public steps the challenge's stakeholders and supporters; always the proposer."""
    intervention: Intervention = event.subject
    link = _page(intervention)
    users = {}
    if _reaches_stakeholders(event):
        for user in stakeholders_of(intervention.challenge):
            users[user.pk] = user
    if _reaches_stakeholders(event) or _pulled_back(event):
        for user in get_user_model().objects.filter(
            supports__intervention=intervention, is_active=True
        ):
            users.setdefault(user.pk, user)
    proposer = intervention.proposer
    if proposer is not None and intervention.proposer_role == Intervention.ProposerRole.RESIDENT:
        users.setdefault(proposer.pk, proposer)
    return [(user, link) for user in users.values()]


def _state_label(state: str) -> str:
    return str(dict(S.choices).get(state, state))


def _intervention_message(event: WorkflowEvent) -> str:
    intervention: Intervention = event.subject
    names = {"title": intervention.title, "challenge": intervention.challenge.title}
    if event.to_state == S.IN_CONSULTATION:
        return gettext(
            "The proposal “%(title)s” for the challenge “%(challenge)s” is open for "
            "consultation until %(end)s: support it or comment on it."
        ) % {**names, "end": formats.date_format(intervention.consultation_end, "DATE_FORMAT")}
    if event.to_state in DECIDED:
        return gettext(
            "The council has decided on the proposal “%(title)s” for the challenge "
            "“%(challenge)s”: %(outcome)s."
        ) % {**names, "outcome": _state_label(event.to_state)}
    if event.to_state == S.AWAITING_DECISION and event.from_state in REOPENED_FROM:
        return (
            gettext(
                "The council has reopened its decision on the proposal “%(title)s” for the "
                "challenge “%(challenge)s”; a new decision will follow."
            )
            % names
        )
    if event.to_state == S.COMPLETED:
        return (
            gettext(
                "The intervention “%(title)s” for the challenge “%(challenge)s” has been "
                "carried out."
            )
            % names
        )
    if event.to_state == S.CANCELLED:
        return (
            gettext(
                "The intervention “%(title)s” for the challenge “%(challenge)s” has been "
                "cancelled and will not be carried out."
            )
            % names
        )
    if _pulled_back(event):
        return (
            gettext(
                "The consultation on the proposal “%(title)s” for the challenge “%(challenge)s” "
                "was stopped: the municipality is reviewing the proposal again. Your support "
                "is kept."
            )
            % names
        )
    if event.to_state == S.AWAITING_DECISION and event.from_state == S.DEFERRED:
        return (
            gettext(
                "The deferred proposal “%(title)s” for the challenge “%(challenge)s” is back on "
                "the council's agenda; a decision will follow."
            )
            % names
        )
    return gettext("Your proposal “%(title)s” is now: %(state)s.") % {
        **names,
        "state": _state_label(event.to_state),
    }


INTERVENTION_NOTIFIER = Notifier(
    recipients=_intervention_recipients,
    message=_intervention_message,
    note=_intervention_note,
    mail_subject=_("Update on a proposal for your neighbourhood"),
    kind=PROPOSALS_KIND,
)


def _decision(outcome: str, label) -> Transition:
    return Transition(
        S.AWAITING_DECISION,
        outcome,
        COUNCIL_ONLY,
        label,
        guard=_decided_by_council(outcome),
        rule=_not_staff,
    )


INTERVENTION_WORKFLOW = register(
    Workflow(
        Intervention,
        [
            Transition(S.PROPOSED, S.UNDER_REVIEW, STAFF, _("Take into review")),
            Transition(S.PROPOSED, S.NOT_TAKEN_UP, STAFF, _("Do not take up"), requires_note=True),
            Transition(
                S.UNDER_REVIEW, S.NOT_TAKEN_UP, STAFF, _("Do not take up"), requires_note=True
            ),
            Transition(
                S.PROPOSED,
                S.WITHDRAWN,
                frozenset({RESIDENT}),
                _("Withdraw"),
                rule=_proposer_only,
            ),
            Transition(
                S.UNDER_REVIEW,
                S.IN_CONSULTATION,
                STAFF,
                _("Open the consultation"),
                sets=("consultation_end",),
            ),
            Transition(
                S.IN_CONSULTATION,
                S.UNDER_REVIEW,
                STAFF,
                _("Back to review"),
                requires_note=True,
            ),
            # An officer closes it early; the hourly job when its last day has passed.
            Transition(
                S.IN_CONSULTATION,
                S.AWAITING_DECISION,
                STAFF,
                _("Send to the council"),
                system=True,
            ),
            _decision(S.AGREED, _("Agreed")),
            _decision(S.DECLINED, _("Declined")),
            _decision(S.DEFERRED, _("Deferred")),
            Transition(S.DEFERRED, S.AWAITING_DECISION, STAFF, _("Back on the agenda")),
            Transition(S.DEFERRED, S.UNDER_REVIEW, STAFF, _("Back to review"), requires_note=True),
            # A decision on the record is final unless a council member reopens it, saying why.
            Transition(
                S.AGREED,
                S.AWAITING_DECISION,
                COUNCIL_ONLY,
                _("Reopen"),
                requires_note=True,
                rule=_not_staff,
            ),
            Transition(
                S.DECLINED,
                S.AWAITING_DECISION,
                COUNCIL_ONLY,
                _("Reopen"),
                requires_note=True,
                rule=_not_staff,
            ),
            # Implementation: officers carry out what the council agreed.
            Transition(S.AGREED, S.IN_PROGRESS, STAFF, _("Start the works")),
            Transition(S.IN_PROGRESS, S.COMPLETED, STAFF, _("Completed")),
            Transition(S.AGREED, S.CANCELLED, STAFF, _("Cancel"), requires_note=True),
            Transition(S.IN_PROGRESS, S.CANCELLED, STAFF, _("Cancel"), requires_note=True),
        ],
        notifier=INTERVENTION_NOTIFIER,
    )
)


def _comment_author(event: WorkflowEvent) -> list[tuple]:
    comment: Comment = event.subject
    if comment.author is None:
        return []
    return [(comment.author, f"{_page(comment.intervention)}#comment-{comment.pk}")]


def _comment_message(event: WorkflowEvent) -> str:
    names = {"title": event.subject.intervention.title}
    if event.to_state == C.HIDDEN:
        return (
            gettext(
                "Your comment on the proposal “%(title)s” was reported by several residents and "
                "is hidden until an officer has looked at it."
            )
            % names
        )
    if event.to_state == C.VISIBLE:
        return (
            gettext(
                "An officer checked your comment on the proposal “%(title)s”: it is shown again."
            )
            % names
        )
    return gettext("An officer removed your comment on the proposal “%(title)s”.") % names


COMMENT_NOTIFIER = Notifier(
    recipients=_comment_author,
    message=_comment_message,
    mail_subject=_("About your comment"),
    kind=COMMENTS_KIND,
)

COMMENT_WORKFLOW = register(
    Workflow(
        Comment,
        [
            Transition(C.VISIBLE, C.HIDDEN, frozenset(), _("Hide pending moderation"), system=True),
            Transition(C.HIDDEN, C.VISIBLE, STAFF, _("Restore"), requires_note=True),
            Transition(C.HIDDEN, C.REMOVED, STAFF, _("Remove"), requires_note=True),
            Transition(C.VISIBLE, C.REMOVED, STAFF, _("Remove"), requires_note=True),
        ],
        notifier=COMMENT_NOTIFIER,
    )
)


@receiver(transitioned, sender=Intervention)
def _evaluate_when_completed(sender, obj, event, **kwargs) -> None:
    """Completed works with a site are measured by a Celery job after the move commits."""
    if event.to_state == S.COMPLETED and obj.site is not None:
        from interventions.tasks import evaluate_after_commit

        evaluate_after_commit(obj.pk)


F = FollowUp.Status


@receiver(transitioned, sender=FollowUp)
def _answered_at(sender, obj, event, **kwargs) -> None:
    if event.to_state == F.ANSWERED:
        obj.answered_at = event.at
        obj.save(update_fields=["answered_at"])


def _followup_recipients(event: WorkflowEvent) -> list[tuple]:
    """The question reaches the person asked, once (its creation); an answer tells nobody."""
    followup: FollowUp = event.subject
    if event.from_state != "":
        return []
    return [(followup.user, f"{_page(followup.intervention)}#followup")]


def _followup_message(event: WorkflowEvent) -> str:
    intervention = event.subject.intervention
    return gettext(
        "The works “%(title)s” for the challenge “%(challenge)s” were completed on %(day)s. "
        "Did they help? Answer yes, no or not sure on the intervention's page; your name is "
        "never shown with your answer."
    ) % {
        "title": intervention.title,
        "challenge": intervention.challenge.title,
        "day": formats.date_format(intervention.actual_end, "DATE_FORMAT"),
    }


FOLLOWUP_NOTIFIER = Notifier(
    recipients=_followup_recipients,
    message=_followup_message,
    note=lambda event: "",
    mail_subject=_("Did the works in your neighbourhood help?"),
    kind=FOLLOWUP_KIND,
)

FOLLOWUP_WORKFLOW = register(
    Workflow(
        FollowUp,
        [
            # Recorded by the service for the person asked, whom it identified by the
            # link's token or their session (interventions.services.followup_answer):
            # the event names no actor, so the audit trail never ties a resident to
            # their answer (officers read answers, not who gave them).
            Transition(
                F.ASKED,
                F.ANSWERED,
                frozenset(),
                _("Answer"),
                sets=("answer",),
                system=True,
            ),
        ],
        notifier=FOLLOWUP_NOTIFIER,
        # Who was asked must not be joined with what was answered in the staff tools.
        confidential=True,
    )
)

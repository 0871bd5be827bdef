"""Consultation: supports, comments, reports, moderation and closing ended consultations."""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import workflow
from civic.models import User, WorkflowEvent
from civic.roles import RESIDENT, is_staff_member, user_has_role
from interventions.models import (
    Comment,
    CommentReport,
    Intervention,
    Support,
)
from interventions.selectors import (
    consultation_is_open,
)

S = Intervention.Status


def reports_to_hide() -> int:
    """How many reports hide a comment pending moderation (INTERVENTIONS_REPORTS_TO_HIDE)."""
    return int(getattr(settings, "INTERVENTIONS_REPORTS_TO_HIDE", 3))


def _open_for(intervention: Intervention, field: str) -> None:
    if not consultation_is_open(intervention):
        raise ValidationError({field: _("The consultation on this proposal is not open.")})


def support_add(*, intervention: Intervention, actor: User) -> Support:
    """A signed-in resident supports a proposal in consultation, once."""
    if not user_has_role(actor, RESIDENT):
        raise PermissionDenied(_("Only residents support proposals."))
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        _open_for(locked, "support")
        if Support.objects.filter(intervention=locked, user=actor).exists():
            raise ValidationError({"support": _("You already support this proposal.")})
        try:
            with transaction.atomic():
                return Support.objects.create(intervention=locked, user=actor)
        except IntegrityError:  # a double click raced past the check
            raise ValidationError({"support": _("You already support this proposal.")}) from None


def support_remove(*, intervention: Intervention, actor: User) -> None:
    """Take a support back, while the consultation is open."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        _open_for(locked, "support")
        deleted, _rows = Support.objects.filter(intervention=locked, user=actor).delete()
        if not deleted:
            raise ValidationError({"support": _("You do not support this proposal.")})


def comment_create(
    *, intervention: Intervention, actor: User, text: str, reply_to: Comment | None = None
) -> Comment:
    """A resident comments, or an officer answers officially, while the consultation is open."""
    staff = is_staff_member(actor)
    if not (staff or user_has_role(actor, RESIDENT)):
        raise PermissionDenied(_("Only residents comment; officers answer officially."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    if len(text) > 5000:
        raise ValidationError({"text": _("At most 5000 characters.")})
    if reply_to is not None and reply_to.intervention_id != intervention.pk:
        raise ValidationError({"reply_to": _("Answer a comment on this proposal.")})
    if reply_to is not None and not staff:
        raise ValidationError({"reply_to": _("Only officers answer a comment.")})
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        _open_for(locked, "text")
        return Comment.objects.create(
            intervention=locked, author=actor, text=text, is_official=staff, reply_to=reply_to
        )


def _last_restored_at(comment: Comment):
    event = (
        WorkflowEvent.objects.filter(
            content_type__app_label="interventions",
            content_type__model="comment",
            object_id=comment.pk,
            to_state=Comment.Status.VISIBLE,
        )
        .order_by("-at")
        .first()
    )
    return event.at if event else None


def comment_report(*, comment: Comment, actor: User, reason: str) -> CommentReport:
    """A resident reports a visible comment; enough reports hide it pending moderation.

    Reports made before an officer restored the comment were judged then: only
    later ones count towards hiding it again.
    """
    if not user_has_role(actor, RESIDENT):
        raise PermissionDenied(_("Only residents report comments."))
    if reason not in CommentReport.Reason.values:
        raise ValidationError(
            {
                "reason": _("Choose a reason: %(reasons)s.")
                % {"reasons": ", ".join(CommentReport.Reason.values)}
            }
        )
    with transaction.atomic():
        locked = Comment.objects.select_for_update(no_key=True).get(pk=comment.pk)
        if locked.author_id == actor.pk:
            raise ValidationError({"comment": _("You cannot report your own comment.")})
        if locked.status != Comment.Status.VISIBLE:
            raise ValidationError({"comment": _("This comment is already with the moderators.")})
        if CommentReport.objects.filter(comment=locked, reporter=actor).exists():
            raise ValidationError({"comment": _("You already reported this comment.")})
        report = CommentReport.objects.create(comment=locked, reporter=actor, reason=reason)
        counted = CommentReport.objects.filter(comment=locked)
        if restored_at := _last_restored_at(locked):
            counted = counted.filter(created_at__gt=restored_at)
        if counted.count() >= reports_to_hide():
            # No note: the author's message says why, in their own language.
            workflow.transition(locked, Comment.Status.HIDDEN, actor=None)
        return report


def comment_moderate(*, comment: Comment, actor: User, to: str, note: str) -> WorkflowEvent:
    """An officer restores or removes a comment, with a note its author reads."""
    return workflow.transition(comment, to, actor=actor, note=note)


def consultations_close_ended(*, today: date | None = None) -> int:
    """Move every proposal whose consultation's last day has passed to awaiting decision.

    The service's own move (no actor), one audit event each; returns how many moved.
    """
    today = today or timezone.localdate()
    ended = Intervention.objects.filter(status=S.IN_CONSULTATION, consultation_end__lt=today)
    return len(workflow.transition_many(ended, S.AWAITING_DECISION, actor=None))

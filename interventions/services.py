"""Writes of interventions: proposals, supports, comments, reports, moderation and decisions.

Every status change goes through civic.workflow.transition(); every refusal is
a ValidationError naming the field (400) or a PermissionDenied (403), raised
before anything is written or inside the one transaction that rolls back.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import workflow
from civic.models import Challenge, User, WorkflowEvent
from civic.roles import COUNCIL, RESIDENT, is_staff_member, user_has_role
from interventions.models import Comment, CommentReport, Decision, Intervention, Support
from interventions.selectors import consultation_is_open, decides_for_the_council

S = Intervention.Status
PUBLIC_CHALLENGE = (Challenge.Status.OPEN, Challenge.Status.PRIORITISED)
EDITABLE_FIELDS = ("kind", "title", "description", "site", "cost_estimate", "expected_effect")


def reports_to_hide() -> int:
    """How many reports hide a comment pending moderation (INTERVENTIONS_REPORTS_TO_HIDE)."""
    return int(getattr(settings, "INTERVENTIONS_REPORTS_TO_HIDE", 3))


def _clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The model's own checks for the fields given (choices, lengths, ≥ 0), naming each field."""
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for name, value in values.items():
        field = Intervention._meta.get_field(name)
        if name == "site":
            if value is not None and not isinstance(value, GEOSGeometry):
                errors[name] = [_("Give the site as a point or an area.")]
                continue
            if value is not None and value.geom_type not in ("Point", "Polygon", "MultiPolygon"):
                errors[name] = [_("The site is a point or an area (polygon).")]
                continue
            if value is not None and value.srid not in (None, 4326):
                value = value.transform(4326, clone=True)
            cleaned[name] = value
            continue
        if name in ("title", "description") and not str(value or "").strip():
            errors[name] = [_("This field is required.")]
            continue
        limit = getattr(field, "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            errors[name] = [_("At most %(count)s characters.") % {"count": limit}]
            continue
        if name == "cost_estimate" and value is not None and not isinstance(value, Decimal):
            try:
                value = Decimal(str(value))
            except ArithmeticError:
                errors[name] = [_("Give an amount in euros.")]
                continue
        try:
            cleaned[name] = field.clean(value, None)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def intervention_create(
    *,
    actor: User,
    challenge: Challenge,
    kind: str,
    title: str,
    description: str,
    site: GEOSGeometry | None = None,
    cost_estimate: Decimal | None = None,
    expected_effect: str = "",
) -> Intervention:
    """Propose an intervention for a public challenge.

    A resident's proposal starts as *proposed* and waits for an officer's review;
    an officer's starts *under review* (it is the municipality's own). Council
    members decide on proposals and make none.
    """
    staff = is_staff_member(actor)
    if not (staff or user_has_role(actor, RESIDENT)):
        raise PermissionDenied(_("Only residents and officers propose interventions."))
    if challenge.status not in PUBLIC_CHALLENGE:
        raise ValidationError(
            {"challenge": _("Proposals are made for open or prioritised challenges only.")}
        )
    fields = _clean_fields(
        {
            "kind": kind,
            "title": title,
            "description": description,
            "site": site,
            "cost_estimate": cost_estimate,
            "expected_effect": expected_effect or "",
        }
    )
    role = Intervention.ProposerRole
    with transaction.atomic():
        intervention = Intervention.objects.create(
            challenge=challenge,
            proposer=actor,
            proposer_role=role.OFFICER if staff else role.RESIDENT,
            status=S.UNDER_REVIEW if staff else S.PROPOSED,
            **fields,
        )
        workflow.record_creation(intervention, actor=actor)
    return intervention


def intervention_update(*, intervention: Intervention, actor: User, **values: Any) -> Intervention:
    """Edit a proposal: its resident proposer while proposed; officers until consultation.

    Council members never edit proposals; nobody edits one in consultation or after.
    """
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        if is_staff_member(actor):
            if locked.status not in (S.PROPOSED, S.UNDER_REVIEW):
                raise ValidationError(
                    {"status": _("A proposal can be edited only before its consultation.")}
                )
        elif locked.proposer_id == actor.pk and user_has_role(actor, RESIDENT):
            if locked.status != S.PROPOSED:
                raise ValidationError(
                    {"status": _("You can edit your proposal only until an officer reviews it.")}
                )
        else:
            raise PermissionDenied(_("You may not edit this proposal."))
        fields = _clean_fields(values)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
    return locked


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


def decision_record(
    *,
    intervention: Intervention,
    actor: User,
    outcome: str,
    decided_on: date,
    motivation: str,
    meeting_reference: str,
    votes_for: int,
    votes_against: int,
    votes_abstaining: int,
) -> Decision:
    """A council member records the decision; the proposal moves to its outcome atomically.

    Not awaiting a decision: 400; not a council member, or also an officer or administrator:
    403; nothing written either way.
    """
    if not user_has_role(actor, COUNCIL):
        raise PermissionDenied(_("Only council members record decisions."))
    if not decides_for_the_council(actor):
        raise PermissionDenied(
            _("Officers and administrators do not record or reopen council decisions.")
        )
    errors: dict[str, list[str]] = {}
    if outcome not in Decision.Outcome.values:
        errors["outcome"] = [
            _("Choose an outcome: %(outcomes)s.") % {"outcomes": ", ".join(Decision.Outcome.values)}
        ]
    if not isinstance(decided_on, date):
        errors["decided_on"] = [_("Give the date of the decision.")]
    elif decided_on > timezone.localdate():
        errors["decided_on"] = [_("A decision cannot be dated in the future.")]
    if not (motivation or "").strip():
        errors["motivation"] = [_("Give the council's motivation.")]
    if not (meeting_reference or "").strip():
        errors["meeting_reference"] = [_("Name the meeting (e.g. the council's agenda item).")]
    elif len(meeting_reference) > 200:
        errors["meeting_reference"] = [_("At most 200 characters.")]
    for name, value in (
        ("votes_for", votes_for),
        ("votes_against", votes_against),
        ("votes_abstaining", votes_abstaining),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[name] = [_("A number of votes, 0 or more.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        if locked.status != S.AWAITING_DECISION:
            raise ValidationError(
                {
                    "intervention": _("This proposal is not awaiting a decision (it is %(state)s).")
                    % {"state": locked.get_status_display()}
                }
            )
        decision = Decision.objects.create(
            intervention=locked,
            outcome=outcome,
            decided_on=decided_on,
            motivation=motivation.strip(),
            meeting_reference=meeting_reference.strip(),
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstaining=votes_abstaining,
            recorded_by=actor,
        )
        event = workflow.transition(locked, outcome, actor=actor, note=motivation.strip())
        # The one field set after creation: which move the decision made (same transaction).
        Decision.objects.filter(pk=decision.pk).update(event=event)
        decision.event = event
    intervention.status = outcome
    return decision


def consultations_close_ended(*, today: date | None = None) -> int:
    """Move every proposal whose consultation's last day has passed to awaiting decision.

    The service's own move (no actor), one audit event each; returns how many moved.
    """
    today = today or timezone.localdate()
    ended = Intervention.objects.filter(status=S.IN_CONSULTATION, consultation_end__lt=today)
    return len(workflow.transition_many(ended, S.AWAITING_DECISION, actor=None))

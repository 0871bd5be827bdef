"""The council's decisions: append-only, moving the proposal in the same transaction."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import workflow
from civic.models import User
from civic.roles import COUNCIL, user_has_role
from interventions.models import (
    Decision,
    Intervention,
)
from interventions.selectors import (
    decides_for_the_council,
)

S = Intervention.Status


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

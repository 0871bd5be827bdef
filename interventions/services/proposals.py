"""Proposals: creating and editing an intervention (residents propose, officers draft)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civic import workflow
from civic.models import Challenge, User
from civic.roles import RESIDENT, is_staff_member, user_has_role
from interventions.models import Intervention

S = Intervention.Status
PUBLIC_CHALLENGE = (Challenge.Status.OPEN, Challenge.Status.PRIORITISED)
EDITABLE_FIELDS = ("kind", "title", "description", "site", "cost_estimate", "expected_effect")


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

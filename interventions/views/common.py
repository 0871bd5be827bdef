"""Helpers shared by the intervention pages: visibility, refusals shown on forms, who may edit."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from civic.roles import RESIDENT, is_staff_member, user_has_role
from interventions import selectors
from interventions.models import Intervention

S = Intervention.Status


def problem_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(m for ms in error.message_dict.values() for m in ms)
    return " ".join(error.messages)


def to_form(form, error: ValidationError) -> None:
    """A service's refusal under the form field it names (or above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


def visible_or_404(request: HttpRequest, pk: int) -> Intervention:
    return get_object_or_404(selectors.interventions_visible_to(user=request.user), pk=pk)


def challenge_url(pk: int) -> str:
    return reverse("civic:challenge_detail", args=[pk])


def may_edit(intervention: Intervention, user) -> bool:
    if is_staff_member(user):
        return intervention.status in (S.PROPOSED, S.UNDER_REVIEW)
    return (
        user.is_authenticated
        and intervention.proposer_id == user.pk
        and intervention.status == S.PROPOSED
        and user_has_role(user, RESIDENT)
    )


def officer_only(request: HttpRequest) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied

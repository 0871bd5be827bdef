"""The council's decision form."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from civic.roles import COUNCIL, user_has_role
from interventions import selectors, services
from interventions.forms import (
    DecisionForm,
)
from interventions.models import Intervention
from interventions.views.common import (
    to_form,
    visible_or_404,
)

S = Intervention.Status


@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A council member records the decision on a proposal awaiting one."""
    intervention = visible_or_404(request, pk)
    if not user_has_role(request.user, COUNCIL):
        raise PermissionDenied
    if not selectors.decides_for_the_council(request.user):
        raise PermissionDenied(
            _("Officers and administrators do not record or reopen council decisions.")
        )
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_record(
                intervention=intervention, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            to_form(form, error)
        else:
            messages.success(request, _("The decision is on the record."))
            return redirect("interventions:detail", pk=pk)
    status = 400 if request.method == "POST" else 200
    if intervention.status != S.AWAITING_DECISION and request.method == "GET":
        form.add_error(None, _("This proposal is not awaiting a decision."))
    return render(
        request,
        "interventions/decide.html",
        {"form": form, "intervention": intervention},
        status=status,
    )

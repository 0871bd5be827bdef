"""Follow-up pages: answering "did it help?" by the e-mail's link or signed in on the works' page.

Opening a link never records anything (mail scanners and previews open links):
it shows the question with the link's answer chosen, and the answer is recorded
when the person presses the button. A refused link gets a page that says why,
with its status: 404 unknown, 409 answered already, 410 closed, 403 someone else.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from interventions import services
from interventions.forms import FollowUpForm
from interventions.models import FollowUp
from interventions.views.common import problem_text, to_form, visible_or_404


def _no_referrer(view):
    """The link's token is in the address: never pass it on to another page or site."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response["Referrer-Policy"] = "no-referrer"
        return response

    return wrapped


def _refused(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(
        request, "interventions/followup_refused.html", {"message": message}, status=status
    )


@never_cache
@_no_referrer
@require_http_methods(["GET", "POST"])
def followup_token(request: HttpRequest, token: str) -> HttpResponse:
    """The e-mail's link: the question with its answer chosen (GET); the answer (POST)."""
    try:
        followup = services.followup_by_token(token)
        services.followup_check(followup, user=request.user)
    except services.FollowUpRefused as refusal:
        return _refused(request, refusal.message, refusal.status)
    except PermissionDenied as error:
        return _refused(request, str(error), 403)
    if request.method == "POST":
        form = FollowUpForm(request.POST)
        if form.is_valid():
            try:
                services.followup_answer(followup=followup, user=request.user, **form.cleaned_data)
            except services.FollowUpRefused as refusal:
                return _refused(request, refusal.message, refusal.status)
            except ValidationError as error:
                to_form(form, error)
            else:
                # To an address without the token: a reload does not post again, and the
                # token does not stay in the history as the page the person last saw.
                return redirect("interventions:followup_thanks", pk=followup.intervention_id)
        status = 400
    else:
        chosen = request.GET.get("answer")
        initial = {"answer": chosen} if chosen in FollowUp.Answer.values else {}
        form = FollowUpForm(initial=initial)
        status = 200
    context = {
        "followup": followup,
        "intervention": followup.intervention,
        "form": form,
        "closes_on": services.followup_closes_on(followup),
    }
    return render(request, "interventions/followup.html", context, status=status)


@login_required
@require_POST
def followup_answer(request: HttpRequest, pk: int) -> HttpResponse:
    """A signed-in stakeholder answers on the works' page (their notification leads there)."""
    intervention = visible_or_404(request, pk)
    followup = services.followup_of(intervention=intervention, user=request.user)
    if followup is None:
        raise PermissionDenied
    form = FollowUpForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors)
        services.followup_answer(followup=followup, user=request.user, **form.cleaned_data)
    except services.FollowUpRefused as refusal:
        messages.error(request, refusal.message)
    except ValidationError as error:
        messages.error(request, problem_text(error))
    else:
        messages.success(request, _("Thank you: your answer was recorded."))
    return redirect(reverse("interventions:detail", args=[pk]) + "#followup")


def followup_thanks(request: HttpRequest, pk: int) -> HttpResponse:
    """After an answer by the link: thanks, and the way to the works and what was measured."""
    intervention = visible_or_404(request, pk)
    return render(request, "interventions/followup_thanks.html", {"intervention": intervention})

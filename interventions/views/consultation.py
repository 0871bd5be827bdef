"""Consultation pages: supports, comments, reports and officers' moderation."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interventions import selectors, services
from interventions.forms import (
    CommentForm,
    ModerationForm,
    ReportForm,
)
from interventions.models import Comment
from interventions.views.common import (
    officer_only,
    problem_text,
    visible_or_404,
)


@login_required
@require_POST
def support(request: HttpRequest, pk: int) -> HttpResponse:
    """Support a proposal in consultation, or take the support back (action=remove)."""
    intervention = visible_or_404(request, pk)
    try:
        if request.POST.get("action") == "remove":
            services.support_remove(intervention=intervention, actor=request.user)
            messages.success(request, _("Your support was taken back."))
        else:
            services.support_add(intervention=intervention, actor=request.user)
            messages.success(request, _("Thank you for your support."))
    except ValidationError as error:
        messages.error(request, problem_text(error))
    return redirect(reverse("interventions:detail", args=[pk]) + "#support")


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    """Comment on a proposal (officers: an official answer, optionally to one comment)."""
    intervention = visible_or_404(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, problem_text(ValidationError(form.errors)))
        return redirect(reverse("interventions:detail", args=[pk]) + "#comments")
    reply_to = None
    if form.cleaned_data.get("reply_to"):
        reply_to = get_object_or_404(
            Comment, pk=form.cleaned_data["reply_to"], intervention=intervention
        )
    try:
        made = services.comment_create(
            intervention=intervention,
            actor=request.user,
            text=form.cleaned_data["text"],
            reply_to=reply_to,
        )
    except ValidationError as error:
        messages.error(request, problem_text(error))
        return redirect(reverse("interventions:detail", args=[pk]) + "#comments")
    return redirect(reverse("interventions:detail", args=[pk]) + f"#comment-{made.pk}")


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a comment (spam, offensive, off-topic), once per resident."""
    found = get_object_or_404(Comment, pk=pk)
    intervention = visible_or_404(request, found.intervention_id)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason: spam, offensive or off-topic."))
    else:
        try:
            services.comment_report(
                comment=found, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, problem_text(error))
        else:
            messages.success(request, _("Thank you: the moderators will look at it."))
    return redirect(reverse("interventions:detail", args=[intervention.pk]) + "#comments")


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    """Officers restore or remove comments hidden after reports, oldest first."""
    officer_only(request)
    queue = list(selectors.moderation_queue()[:100])
    for hidden in queue:
        hidden.reasons = sorted({r.get_reason_display() for r in hidden.reports.all()})
    return render(
        request, "interventions/moderation.html", {"comments": queue, "form": ModerationForm()}
    )


@login_required
@require_POST
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    officer_only(request)
    found = get_object_or_404(Comment, pk=pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, problem_text(ValidationError(form.errors)))
    else:
        try:
            services.comment_moderate(
                comment=found,
                actor=request.user,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, problem_text(error))
        else:
            messages.success(request, _("The author has been told."))
    return redirect("interventions:moderation")

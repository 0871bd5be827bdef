"""Implementation pages: dates and progress, milestones and their photos, the CSV progress file."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from interventions import selectors, services
from interventions.forms import (
    ImplementationForm,
    MilestoneForm,
    ProgressFileForm,
)
from interventions.models import Milestone
from interventions.views.common import (
    officer_only,
    problem_text,
    visible_or_404,
)


@login_required
@require_POST
def implementation(request: HttpRequest, pk: int) -> HttpResponse:
    """Officers set the works' progress and dates (or correct the start) from its page."""
    intervention = visible_or_404(request, pk)
    officer_only(request)
    form = ImplementationForm(request.POST)
    if not form.is_valid():
        messages.error(request, problem_text(ValidationError(form.errors)))
        return redirect("interventions:detail", pk=pk)
    values = {k: v for k, v in form.cleaned_data.items() if k in request.POST}
    if values.get("progress") is None:
        values.pop("progress", None)
    try:
        services.implementation_update(intervention=intervention, actor=request.user, **values)
    except ValidationError as error:
        messages.error(request, problem_text(error))
    else:
        if set(values) == {"actual_start"}:
            messages.success(request, _("The start of the works is corrected."))
        else:
            messages.success(request, _("The progress is saved."))
    return redirect(reverse("interventions:detail", args=[pk]) + "#implementation")


@login_required
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Officers add a milestone (a photo loses its EXIF, as a concern's does)."""
    intervention = visible_or_404(request, pk)
    officer_only(request)
    form = MilestoneForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, problem_text(ValidationError(form.errors)))
        return redirect(reverse("interventions:detail", args=[pk]) + "#milestones")
    try:
        services.milestone_add(intervention=intervention, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, problem_text(error))
    else:
        messages.success(request, _("The milestone is added."))
    return redirect(reverse("interventions:detail", args=[pk]) + "#milestones")


def milestone_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """A milestone's photo, for whoever may see its intervention (the same one rule)."""
    milestone = get_object_or_404(
        Milestone.objects.filter(
            intervention__in=selectors.interventions_visible_to(user=request.user)
        ),
        pk=pk,
    )
    if not milestone.photo:
        raise Http404
    response = FileResponse(milestone.photo.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=300"
    patch_vary_headers(response, ["Cookie"])
    return response


@login_required
def progress_file(request: HttpRequest) -> HttpResponse:
    """Officers update many interventions from a CSV file: every row or none, bad rows named."""
    officer_only(request)
    form = ProgressFileForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            updated = services.progress_csv_apply(
                actor=request.user, content=form.cleaned_data["file"].read()
            )
        except ValidationError as error:
            problems = [m for ms in error.message_dict.values() for m in ms]
        else:
            messages.success(
                request, _("%(count)d interventions were updated.") % {"count": updated}
            )
            return redirect("interventions:progress_file")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "interventions/progress_file.html",
        {"form": form, "problems": problems, "columns": services.CSV_COLUMNS},
        status=status,
    )

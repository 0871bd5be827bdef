"""Officers' pages for building surveys: texts, questions, workflow moves and invitation codes.

Plain forms that work without JavaScript; the services check everything and
write all or nothing, the views only map their errors back onto the fields.
"""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civic import workflow
from civic.roles import is_staff_member
from surveys import services
from surveys.builder_forms import (
    EXTRA_ROWS,
    InvitationsForm,
    QuestionForm,
    QuestionFormSet,
    SurveyForm,
    TransitionForm,
)
from surveys.models import Invitation, Survey
from surveys.services import MAX_QUESTIONS
from surveys.workflow import SURVEY_WORKFLOW

QUESTIONS_PREFIX = "q"
# The services name question problems "#<index> <field>: <message>".
QUESTION_PROBLEM = re.compile(r"^#(\d+) (\w+): (.*)$", re.DOTALL)


def _officer_only(request) -> None:
    # is_staff_member is False for anonymous users too.
    if not is_staff_member(request.user):
        raise PermissionDenied


def _errors_onto(form, error: ValidationError) -> None:
    """A service's errors next to the fields they name (the rest above the form)."""
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


def _survey(pk: int) -> Survey:
    return get_object_or_404(
        Survey.objects.select_related("area").annotate(
            response_count=Count("responses", distinct=True),
            question_count=Count("questions", distinct=True),
        ),
        pk=pk,
    )


@login_required
def manage_list(request):
    """Every survey with its status, dates and number of responses."""
    _officer_only(request)
    surveys = (
        Survey.objects.select_related("area")
        .annotate(
            response_count=Count("responses", distinct=True),
            question_count=Count("questions", distinct=True),
        )
        .order_by("-created_at", "-id")
    )
    status = request.GET.get("status", "")
    if status in Survey.Status.values:
        surveys = surveys.filter(status=status)
    page = Paginator(surveys, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "surveys/manage_list.html",
        {"page": page, "status": status, "statuses": Survey.Status.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def manage_new(request):
    """Start a draft survey; the next step is its questions."""
    _officer_only(request)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = services.survey_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("Survey created as a draft. Now add its questions."))
            return redirect("surveys:manage_questions", survey.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/manage_new.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def manage_detail(request, pk: int):
    """One survey: edit its texts, dates and area; move it; copy it; links onward."""
    _officer_only(request)
    survey = _survey(pk)
    form = SurveyForm(request.POST or None, initial=SurveyForm.initial_for(survey))
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.changed_data}
        if not changes:
            messages.info(request, _("Nothing changed."))
            return redirect("surveys:manage_detail", survey.pk)
        try:
            services.survey_update(actor=request.user, survey=survey, **changes)
        except ValidationError as error:
            _errors_onto(form, error)
        else:
            messages.success(request, _("Survey saved."))
            return redirect("surveys:manage_detail", survey.pk)
    context = {
        "survey": survey,
        "form": form,
        "transitions": SURVEY_WORKFLOW.available_to(survey, request.user),
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/manage_detail.html", context, status=status)


@login_required
@require_POST
def manage_transition(request, pk: int):
    """Open, close, re-open or archive the survey through the workflow."""
    _officer_only(request)
    survey = get_object_or_404(Survey, pk=pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose one of the buttons to move the survey."))
        return redirect("surveys:manage_detail", survey.pk)
    try:
        workflow.transition(
            survey, form.cleaned_data["to"], actor=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as error:
        messages.error(request, " ".join(m for ms in error.message_dict.values() for m in ms))
    else:
        messages.success(
            request, _("The survey is now “%(status)s”.") % {"status": survey.get_status_display()}
        )
    return redirect("surveys:manage_detail", survey.pk)


@login_required
@require_POST
def manage_copy(request, pk: int):
    """A new draft with the same texts, area and questions, to change what was frozen."""
    _officer_only(request)
    original = get_object_or_404(Survey, pk=pk)
    copy = services.survey_copy(actor=request.user, survey=original)
    messages.success(
        request,
        _("This is a new draft copied from “%(title)s”. Change it and open it when ready.")
        % {"title": original.title},
    )
    return redirect("surveys:manage_detail", copy.pk)


def _questions_initial(survey: Survey) -> list[dict]:
    return [
        QuestionForm.initial_for(question)
        for question in survey.questions.select_related("theme").prefetch_related("options__theme")
    ]


@login_required
@require_http_methods(["GET", "POST"])
def manage_questions(request, pk: int):
    """Edit the ordered questions with their options; read-only once someone answered."""
    _officer_only(request)
    survey = _survey(pk)
    if survey.response_count:
        # Answers must keep meaning what they meant: show, and offer a copy.
        questions = survey.questions.select_related("theme").prefetch_related("options__theme")
        status = 200
        if request.method == "POST":
            messages.error(
                request, _("This survey has responses; copy it to change its questions.")
            )
            status = 400
        return render(
            request,
            "surveys/manage_questions_frozen.html",
            {"survey": survey, "questions": questions},
            status=status,
        )

    page_errors: list[str] = []
    show_errors = True
    if request.method == "POST" and "more_rows" in request.POST:
        # Without JavaScript: the same rows as typed, plus empty ones; nothing saved.
        data = request.POST.copy()
        key = f"{QUESTIONS_PREFIX}-TOTAL_FORMS"
        try:
            total = int(data.get(key, 0))
        except ValueError:
            total = 0
        data[key] = str(max(0, min(total, MAX_QUESTIONS)) + EXTRA_ROWS)
        formset = QuestionFormSet(data, prefix=QUESTIONS_PREFIX)
        show_errors = False
    elif request.method == "POST":
        formset = QuestionFormSet(request.POST, prefix=QUESTIONS_PREFIX)
        if formset.is_valid():
            forms = formset.ordered_forms
            try:
                services.questions_replace(
                    actor=request.user, survey=survey, questions=[f.spec() for f in forms]
                )
            except ValidationError as error:
                page_errors = _question_errors_onto(forms, error)
            else:
                messages.success(
                    request,
                    _("Questions saved: %(n)d.") % {"n": len(forms)},
                )
                return redirect("surveys:manage_questions", survey.pk)
    else:
        formset = QuestionFormSet(initial=_questions_initial(survey), prefix=QUESTIONS_PREFIX)
    failed = request.method == "POST" and show_errors
    return render(
        request,
        "surveys/manage_questions.html",
        {
            "survey": survey,
            "formset": formset,
            # After "add more rows" the half-typed rows are not judged yet.
            "hide_errors": not show_errors,
            "page_errors": page_errors,
        },
        status=400 if failed else 200,
    )


def _question_errors_onto(forms: list, error: ValidationError) -> list[str]:
    """ "#2 options: …" goes next to the options of the third question; the rest is returned."""
    rest = []
    for field, problems in error.message_dict.items():
        for problem in problems:
            match = QUESTION_PROBLEM.match(problem)
            if match and int(match[1]) < len(forms):
                form, name = forms[int(match[1])], match[2]
                form.add_error(name if name in form.fields else None, match[3])
            else:
                rest.append(problem if field == "questions" else f"{field}: {problem}")
    return rest


@login_required
@require_http_methods(["GET", "POST"])
def manage_invitations(request, pk: int):
    """Hand out codes per neighbourhood in batches; see how many were used; download for letters."""
    _officer_only(request)
    survey = _survey(pk)
    form = InvitationsForm(request.POST or None, survey=survey)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.invitations_generate(
                actor=request.user,
                survey=survey,
                count=data["count"],
                area=data["neighbourhood"],
                batch=data["batch"].strip(),
            )
        except ValidationError as error:
            _errors_onto(form, _renamed_area(error))
        else:
            messages.success(
                request,
                _("%(n)d codes made. Download them below for the letters.") % {"n": len(made)},
            )
            return redirect("surveys:manage_invitations", survey.pk)
    batches = (
        Invitation.objects.filter(survey=survey)
        .values("batch", "area__code", "area__name")
        .annotate(total=Count("id"), used=Count("used_at"))
        .order_by("batch", "area__name")
    )
    context = {
        "survey": survey,
        "form": form,
        "batches": [{**row, "unused": row["total"] - row["used"]} for row in batches],
    }
    status = 400 if request.method == "POST" else 200
    return render(request, "surveys/manage_invitations.html", context, status=status)


def _renamed_area(error: ValidationError) -> ValidationError:
    """The service says "area"; the form calls it the neighbourhood."""
    return ValidationError(
        {("neighbourhood" if k == "area" else k): v for k, v in error.message_dict.items()}
    )

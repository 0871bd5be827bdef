"""Proposal pages: the list, one intervention, proposing, editing and workflow moves."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civic import workflow
from civic.challenge_parts import stages_for
from civic.roles import RESIDENT, is_staff_member, user_has_role
from civic.selectors import challenges_visible_to
from interventions import selectors, services
from interventions.forms import (
    CommentForm,
    ImplementationForm,
    InterventionForm,
    MilestoneForm,
    ReportForm,
    TransitionForm,
)
from interventions.models import Comment, Intervention
from interventions.views.common import (
    challenge_url,
    may_edit,
    problem_text,
    to_form,
    visible_or_404,
)

S = Intervention.Status


# The list's filters: (query value, label, statuses).
LIST_FILTERS = [
    ("consultation", gettext_lazy("In consultation"), [S.IN_CONSULTATION]),
    ("awaiting", gettext_lazy("Awaiting a decision"), [S.AWAITING_DECISION]),
    ("decided", gettext_lazy("Decided"), [S.AGREED, S.DECLINED, S.DEFERRED]),
    ("in_progress", gettext_lazy("Works in progress"), [S.IN_PROGRESS]),
    ("completed", gettext_lazy("Completed"), [S.COMPLETED]),
    ("cancelled", gettext_lazy("Cancelled"), [S.CANCELLED]),
]


PAGE_SIZE = 50


def index(request: HttpRequest) -> HttpResponse:
    """Every proposal this reader may see, newest first; ?show= narrows it to one step."""
    interventions = selectors.interventions_visible_to(user=request.user)
    chosen = request.GET.get("show", "")
    for key, _label, statuses in LIST_FILTERS:
        if chosen == key:
            interventions = interventions.filter(status__in=statuses)
    # Paged like the challenge list: nothing beyond a cap silently left out.
    page = Paginator(interventions, PAGE_SIZE).get_page(request.GET.get("page"))
    interventions = list(page.object_list)
    for intervention in interventions:
        intervention.consultation_open = selectors.consultation_is_open(intervention)
    return render(
        request,
        "interventions/index.html",
        {
            "interventions": interventions,
            "page": page,
            "show_query": urlencode({"show": chosen})
            if chosen in {key for key, _label, _statuses in LIST_FILTERS}
            else "",
            "filters": [(key, label) for key, label, _statuses in LIST_FILTERS],
            "chosen": chosen,
        },
    )


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposal's page: what, where, its consultation, comments, decision and history."""
    intervention = visible_or_404(request, pk)
    user = request.user
    staff = is_staff_member(user)
    comments = list(selectors.comments_of(intervention))
    reported = set()
    if user.is_authenticated:
        reported = set(
            intervention.comments.filter(reports__reporter=user).values_list("pk", flat=True)
        )
    for comment in comments:
        comment.text_shown = selectors.comment_text_visible(comment, user)
        comment.is_mine = user.is_authenticated and comment.author_id == user.pk
        comment.may_report = (
            user_has_role(user, RESIDENT)
            and comment.status == Comment.Status.VISIBLE
            and not comment.is_mine
            and comment.pk not in reported
        )
    comments = _threaded(comments)
    labels = dict(S.choices)
    history = selectors.public_history(intervention, user=user)
    for event in history:
        event.to_label = labels.get(event.to_state, event.to_state)
        event.day = event.at.date()
    milestones = list(selectors.milestones_of(intervention))
    # The public history tells the works' milestones between the workflow's steps.
    timeline = sorted(
        [("event", e.day, e) for e in history] + [("milestone", m.date, m) for m in milestones],
        key=lambda row: row[1],
    )
    following = staff and (
        intervention.status in services.UPDATABLE
        or intervention.status in services.START_CORRECTABLE
    )
    moves = [
        move
        for move in workflow.workflow_for(Intervention).available_to(intervention, user)
        # Outcomes are recorded with the decision form, never as a bare button.
        if move.target not in (S.AGREED, S.DECLINED, S.DEFERRED)
    ]
    consultation_open = selectors.consultation_is_open(intervention)
    site = intervention.site.geojson if intervention.site else None
    context = {
        "intervention": intervention,
        "challenge_url": challenge_url(intervention.challenge_id),
        "stage": stages_for([intervention.challenge])[intervention.challenge_id],
        "consultation_open": consultation_open,
        "comments": comments,
        "decisions": list(selectors.decisions_of(intervention)),
        "history": history,
        "timeline": timeline,
        "milestones": milestones,
        "may_follow": following,
        "may_add_milestone": staff and intervention.status in selectors.MILESTONE_STATUSES,
        "implementation_form": ImplementationForm(
            initial={
                "progress": intervention.progress,
                "planned_start": intervention.planned_start,
                "planned_end": intervention.planned_end,
                "actual_start": intervention.actual_start,
            },
            status=intervention.status,
        ),
        "milestone_form": MilestoneForm(),
        "moves": moves,
        "site_json": {"geometry": site, "title": intervention.title},
        "tiles_url": settings.CIVIC_TILES_URL,
        "is_supporter": selectors.is_supporter(intervention, user),
        "may_support": consultation_open and user_has_role(user, RESIDENT),
        "may_comment": consultation_open and (staff or user_has_role(user, RESIDENT)),
        "may_decide": intervention.status == S.AWAITING_DECISION
        and selectors.decides_for_the_council(user),
        "may_edit": may_edit(intervention, user),
        "is_officer": staff,
        "comment_form": CommentForm(),
        "report_form": ReportForm(),
        **_measured(intervention),
    }
    return render(request, "interventions/detail.html", context)


def _measured(intervention: Intervention) -> dict:
    """The latest before/after evaluation in words, its match and chart (views.evaluation)."""
    from interventions.views.evaluation import measured_context

    return measured_context(intervention)


def _threaded(comments: list[Comment]) -> list[Comment]:
    """Comments oldest first, each followed by the official answers to it."""
    known = {c.pk for c in comments}
    answers: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.reply_to_id in known:
            answers.setdefault(comment.reply_to_id, []).append(comment)
    ordered = []
    for comment in comments:
        if comment.reply_to_id not in known:
            ordered.append(comment)
            for answer in answers.get(comment.pk, []):
                answer.is_answer = True
                ordered.append(answer)
    return ordered


@login_required
def new(request: HttpRequest) -> HttpResponse:
    """Propose an intervention for a public challenge (?challenge=<pk>): residents and officers."""
    if not (is_staff_member(request.user) or user_has_role(request.user, RESIDENT)):
        raise PermissionDenied
    public = challenges_visible_to(user=request.user).filter(status__in=services.PUBLIC_CHALLENGE)
    raw = request.GET.get("challenge") or request.POST.get("challenge") or ""
    # ASCII digits only: str.isdigit() also takes "²", which int() refuses.
    well_formed = re.fullmatch(r"[0-9]+", raw) is not None
    challenge = get_object_or_404(public, pk=int(raw)) if well_formed else None
    form = InterventionForm(request.POST or None)
    link_error = None
    if raw and not well_formed:
        link_error = _("The challenge must be given by its number; choose it below.")
    elif request.method == "POST" and challenge is None:
        form.is_valid()
        form.add_error(None, _("Choose the challenge this proposal is for."))
    elif request.method == "POST" and form.is_valid():
        try:
            intervention = services.intervention_create(
                actor=request.user, challenge=challenge, **form.cleaned_data
            )
        except ValidationError as error:
            to_form(form, error)
        else:
            if intervention.status == S.PROPOSED:
                messages.success(
                    request,
                    _("Thank you. An officer reviews your proposal before it is published."),
                )
            return redirect("interventions:detail", pk=intervention.pk)
    return render(
        request,
        "interventions/form.html",
        {
            "form": form,
            "challenge": challenge,
            "challenges": [] if challenge else list(public.order_by("title")),
            "title": _("Propose an intervention"),
            "link_error": link_error,
        },
        status=400 if link_error else 200,
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Edit a proposal (its resident proposer while proposed; officers until consultation)."""
    intervention = visible_or_404(request, pk)
    if not may_edit(intervention, request.user):
        raise PermissionDenied
    form = InterventionForm(request.POST or None, instance=intervention)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_update(
                intervention=intervention, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            to_form(form, error)
        else:
            return redirect("interventions:detail", pk=pk)
    return render(
        request,
        "interventions/form.html",
        {
            "form": form,
            "challenge": intervention.challenge,
            "intervention": intervention,
            "title": _("Edit the proposal"),
        },
    )


@login_required
@require_POST
def move(request: HttpRequest, pk: int) -> HttpResponse:
    """One workflow move from the page's buttons; refusals come back as a message."""
    intervention = visible_or_404(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, problem_text(ValidationError(form.errors)))
        return redirect("interventions:detail", pk=pk)
    target = form.cleaned_data["to"]
    if target in (S.AGREED, S.DECLINED, S.DEFERRED):
        messages.error(request, _("Record the council's decision: that moves the proposal."))
        return redirect("interventions:detail", pk=pk)
    changes = {}
    if form.cleaned_data.get("consultation_end"):
        changes["consultation_end"] = form.cleaned_data["consultation_end"]
    try:
        workflow.transition(
            intervention,
            target,
            actor=request.user,
            note=form.cleaned_data["note"],
            changes=changes,
        )
    except ValidationError as error:
        messages.error(request, problem_text(error))
    else:
        messages.success(
            request,
            _("Done: the proposal is now %(state)s.")
            % {"state": intervention.get_status_display()},
        )
    if intervention.status == S.WITHDRAWN:
        return redirect("interventions:index")
    return redirect("interventions:detail", pk=pk)

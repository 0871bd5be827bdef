"""Pages of interventions: the list, a proposal's page, proposing, moderation and decisions."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from civic import workflow
from civic.challenge_parts import stages_for
from civic.roles import COUNCIL, RESIDENT, is_staff_member, user_has_role
from civic.selectors import challenges_visible_to
from interventions import selectors, services
from interventions.forms import (
    CommentForm,
    DecisionForm,
    ImplementationForm,
    InterventionForm,
    MilestoneForm,
    ModerationForm,
    ProgressFileForm,
    ReportForm,
    TransitionForm,
)
from interventions.models import Comment, Intervention, Milestone

S = Intervention.Status


def _problem_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(m for ms in error.message_dict.values() for m in ms)
    return " ".join(error.messages)


def _to_form(form, error: ValidationError) -> None:
    """A service's refusal under the form field it names (or above the form)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(name if name in form.fields else None, problem)


# The list's filters: (query value, label, statuses).
LIST_FILTERS = [
    ("consultation", gettext_lazy("In consultation"), [S.IN_CONSULTATION]),
    ("awaiting", gettext_lazy("Awaiting a decision"), [S.AWAITING_DECISION]),
    ("decided", gettext_lazy("Decided"), [S.AGREED, S.DECLINED, S.DEFERRED]),
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


def _visible(request: HttpRequest, pk: int) -> Intervention:
    return get_object_or_404(selectors.interventions_visible_to(user=request.user), pk=pk)


def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A proposal's page: what, where, its consultation, comments, decision and history."""
    intervention = _visible(request, pk)
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
    following = staff and intervention.status in services.UPDATABLE
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
        "challenge_url": _challenge_url(intervention.challenge_id),
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
            }
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
        "may_edit": _may_edit(intervention, user),
        "is_officer": staff,
        "comment_form": CommentForm(),
        "report_form": ReportForm(),
        **_measured(intervention),
    }
    return render(request, "interventions/detail.html", context)


def _measured(intervention: Intervention) -> dict:
    """The latest before/after evaluation in words, and how many runs came before it."""
    from interventions.evaluation import evaluation_as_estimate
    from interventions.impact_estimate import impact_sentence

    runs = list(intervention.evaluations.order_by("-computed_at", "-id")[:50])
    if not runs:
        return {"evaluation": None}
    latest = runs[0]
    return {
        "evaluation": latest,
        "evaluation_sentence": impact_sentence(evaluation_as_estimate(latest)),
        "evaluation_runs": len(runs),
    }


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


def _challenge_url(pk: int) -> str:
    return reverse("civic:challenge_detail", args=[pk])


def _may_edit(intervention: Intervention, user) -> bool:
    if is_staff_member(user):
        return intervention.status in (S.PROPOSED, S.UNDER_REVIEW)
    return (
        user.is_authenticated
        and intervention.proposer_id == user.pk
        and intervention.status == S.PROPOSED
        and user_has_role(user, RESIDENT)
    )


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
            _to_form(form, error)
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
    intervention = _visible(request, pk)
    if not _may_edit(intervention, request.user):
        raise PermissionDenied
    form = InterventionForm(request.POST or None, instance=intervention)
    if request.method == "POST" and form.is_valid():
        try:
            services.intervention_update(
                intervention=intervention, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _to_form(form, error)
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
    intervention = _visible(request, pk)
    form = TransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _problem_text(ValidationError(form.errors)))
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
        messages.error(request, _problem_text(error))
    else:
        messages.success(
            request,
            _("Done: the proposal is now %(state)s.")
            % {"state": intervention.get_status_display()},
        )
    if intervention.status == S.WITHDRAWN:
        return redirect("interventions:index")
    return redirect("interventions:detail", pk=pk)


@login_required
@require_POST
def support(request: HttpRequest, pk: int) -> HttpResponse:
    """Support a proposal in consultation, or take the support back (action=remove)."""
    intervention = _visible(request, pk)
    try:
        if request.POST.get("action") == "remove":
            services.support_remove(intervention=intervention, actor=request.user)
            messages.success(request, _("Your support was taken back."))
        else:
            services.support_add(intervention=intervention, actor=request.user)
            messages.success(request, _("Thank you for your support."))
    except ValidationError as error:
        messages.error(request, _problem_text(error))
    return redirect(reverse("interventions:detail", args=[pk]) + "#support")


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    """Comment on a proposal (officers: an official answer, optionally to one comment)."""
    intervention = _visible(request, pk)
    form = CommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _problem_text(ValidationError(form.errors)))
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
        messages.error(request, _problem_text(error))
        return redirect(reverse("interventions:detail", args=[pk]) + "#comments")
    return redirect(reverse("interventions:detail", args=[pk]) + f"#comment-{made.pk}")


@login_required
@require_POST
def report(request: HttpRequest, pk: int) -> HttpResponse:
    """Report a comment (spam, offensive, off-topic), once per resident."""
    found = get_object_or_404(Comment, pk=pk)
    intervention = _visible(request, found.intervention_id)
    form = ReportForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reason: spam, offensive or off-topic."))
    else:
        try:
            services.comment_report(
                comment=found, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as error:
            messages.error(request, _problem_text(error))
        else:
            messages.success(request, _("Thank you: the moderators will look at it."))
    return redirect(reverse("interventions:detail", args=[intervention.pk]) + "#comments")


def _officer_only(request: HttpRequest) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied


@login_required
def moderation(request: HttpRequest) -> HttpResponse:
    """Officers restore or remove comments hidden after reports, oldest first."""
    _officer_only(request)
    queue = list(selectors.moderation_queue()[:100])
    for hidden in queue:
        hidden.reasons = sorted({r.get_reason_display() for r in hidden.reports.all()})
    return render(
        request, "interventions/moderation.html", {"comments": queue, "form": ModerationForm()}
    )


@login_required
@require_POST
def moderate(request: HttpRequest, pk: int) -> HttpResponse:
    _officer_only(request)
    found = get_object_or_404(Comment, pk=pk)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _problem_text(ValidationError(form.errors)))
    else:
        try:
            services.comment_moderate(
                comment=found,
                actor=request.user,
                to=form.cleaned_data["to"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            messages.error(request, _problem_text(error))
        else:
            messages.success(request, _("The author has been told."))
    return redirect("interventions:moderation")


@login_required
def decide(request: HttpRequest, pk: int) -> HttpResponse:
    """A council member records the decision on a proposal awaiting one."""
    intervention = _visible(request, pk)
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
            _to_form(form, error)
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


@login_required
@require_POST
def implementation(request: HttpRequest, pk: int) -> HttpResponse:
    """Officers set the works' progress and planned dates from the intervention's page."""
    intervention = _visible(request, pk)
    _officer_only(request)
    form = ImplementationForm(request.POST)
    if not form.is_valid():
        messages.error(request, _problem_text(ValidationError(form.errors)))
        return redirect("interventions:detail", pk=pk)
    values = {k: v for k, v in form.cleaned_data.items() if k in request.POST}
    if values.get("progress") is None:
        values.pop("progress", None)
    try:
        services.implementation_update(intervention=intervention, actor=request.user, **values)
    except ValidationError as error:
        messages.error(request, _problem_text(error))
    else:
        messages.success(request, _("The progress is saved."))
    return redirect(reverse("interventions:detail", args=[pk]) + "#implementation")


@login_required
@require_POST
def milestone_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Officers add a milestone (a photo loses its EXIF, as a concern's does)."""
    intervention = _visible(request, pk)
    _officer_only(request)
    form = MilestoneForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _problem_text(ValidationError(form.errors)))
        return redirect(reverse("interventions:detail", args=[pk]) + "#milestones")
    try:
        services.milestone_add(intervention=intervention, actor=request.user, **form.cleaned_data)
    except ValidationError as error:
        messages.error(request, _problem_text(error))
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
    _officer_only(request)
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

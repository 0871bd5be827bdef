"""Challenge pages: the public list and page, officers' editing, unlinking and grouping."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from civic import challenge_parts, grouping, periods, selectors, services, workflow
from civic.api.filters import ChallengeFilter
from civic.api.pagination import WHOLE_NUMBER
from civic.evidence import evidence_freshness
from civic.forms import ChallengeForm, GroupingForm, TransitionForm, UnlinkForm
from civic.map_layers import map_layers_data
from civic.models import Area, Challenge, Concern
from civic.models.concerns import PUBLIC_CONCERN_STATUSES
from civic.roles import COUNCIL, is_staff_member, user_has_any_role

PAGE_SIZE = 25


def _officer_only(request) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied


def _period_or_error(request):
    """(period, None) or (None, the 400 page naming `period`), as the map does."""
    try:
        chosen = periods.period_from_param(request.GET.get("period"))
    except ValidationError as error:
        page = render(
            request,
            "civic/period_error.html",
            {"message": " ".join(error.message_dict["period"])},
            status=400,
        )
        return None, page
    return chosen or periods.period_default(), None


def _errors_text(error: ValidationError) -> dict[str, str]:
    if hasattr(error, "error_dict"):
        return {name: " ".join(problems) for name, problems in error.message_dict.items()}
    return {"detail": " ".join(error.messages)}


# ---------------------------------------------------------------- the list


def challenge_list(request: HttpRequest) -> HttpResponse:
    """Every public challenge (drafts too for officers and council), filtered, with facts."""
    user = request.user
    sees_drafts = is_staff_member(user) or user_has_any_role(user, [COUNCIL])
    filters = ChallengeFilter(
        request.GET or None, queryset=selectors.challenges_visible_to(user=user)
    )
    status = 200
    if filters.is_bound and not filters.is_valid():
        status = 400
        rows = Challenge.objects.none()
    else:
        rows = filters.qs
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    challenges = list(page.object_list)
    stages = challenge_parts.stages_for(challenges)
    values = challenge_parts.facts_for([c.pk for c in challenges], user)
    facts = challenge_parts.facts()
    for challenge in challenges:
        challenge.stage = stages.get(challenge.pk)
        challenge.facts = [
            (fact.label, values.get(fact.key, {}).get(challenge.pk)) for fact in facts
        ]
    statuses = [
        (value, label)
        for value, label in Challenge.Status.choices
        if sees_drafts or value != Challenge.Status.DRAFT
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "civic/challenge_list.html",
        {
            "challenges": challenges,
            "page": page,
            "facts": facts,
            "filter_errors": filters.errors if status == 400 else {},
            "themes": selectors.themes_active(),
            "areas": Area.objects.filter(
                kind__in=[Area.Kind.DISTRICT, Area.Kind.NEIGHBOURHOOD]
            ).order_by("kind", "name"),
            "statuses": statuses,
            "chosen": {
                "theme": request.GET.get("theme", ""),
                "area": request.GET.get("area", ""),
                "status": request.GET.getlist("status"),
            },
            "query": query.urlencode(),
            "is_officer": is_staff_member(user),
        },
        status=status,
    )


# ---------------------------------------------------------------- one challenge


def _map_data(challenge: Challenge, concerns: list[Concern]) -> dict:
    """What the page's map draws; given to the script as JSON data, never as markup."""
    return {
        "geometry": challenge.geometry.geojson if challenge.geometry else None,
        "concerns": [
            {
                "id": c.pk,
                "description": c.description,
                "theme": c.theme.name,
                "colour": c.theme.colour,
                "lon": c.location.x,
                "lat": c.location.y,
            }
            for c in concerns
        ],
        # What apps draw for this challenge (their public features only).
        "layers": map_layers_data(challenge),
    }


def _detail(
    request: HttpRequest, challenge: Challenge, *, status: int = 200, errors=None, period=None
) -> HttpResponse:
    user = request.user
    officer = is_staff_member(user)
    concerns = list(selectors.challenge_concerns_public(challenge=challenge))
    label = periods.period_label(period) if period else ""
    figures, survey = selectors.evidence_sentences(
        list(selectors.evidence_shown(challenge=challenge, period=period)), period_label=label
    )
    freshness = evidence_freshness(
        subject_kind="challenge", subject_ids=[challenge.pk], period=period
    )[challenge.pk]
    panels = [
        {"template": panel.template, "context": panel.context(challenge, request, period)}
        for panel in challenge_parts.panels()
    ]
    moves = workflow.workflow_for(Challenge).available_to(challenge, user) if officer else []
    return render(
        request,
        "civic/challenge_detail.html",
        {
            "challenge": challenge,
            "stage": challenge_parts.stages_for([challenge])[challenge.pk],
            "concerns": concerns,
            "map_data": _map_data(challenge, concerns),
            "tiles_url": settings.CIVIC_TILES_URL,
            "period": period,
            "period_label": label,
            "periods": list(periods.periods_with_data()),
            "figures": figures,
            "survey": survey,
            "freshness": freshness,
            "history": selectors.challenge_history(challenge=challenge, user=user),
            "panels": panels,
            "is_officer": officer,
            "moves": moves,
            "errors": errors or {},
        },
        status=status,
    )


def _visible_challenge(request, pk: int) -> Challenge:
    return get_object_or_404(selectors.challenges_visible_to(user=request.user), pk=pk)


def challenge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A challenge: its area and public concerns on a map, evidence, history, panels."""
    period, error_page = _period_or_error(request)
    if error_page:
        return error_page
    return _detail(request, _visible_challenge(request, pk), period=period)


def challenge_timeline(request: HttpRequest, pk: int) -> HttpResponse:
    """The challenge's public story, oldest first: the same for every reader who sees it."""
    challenge = _visible_challenge(request, pk)
    return render(
        request,
        "civic/challenge_timeline.html",
        {"challenge": challenge, "entries": challenge_parts.timeline_of(challenge)},
    )


@login_required
@require_POST
def challenge_transition(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer's workflow step (open, prioritise, close ...), with a note where needed."""
    _officer_only(request)
    challenge = _visible_challenge(request, pk)
    form = TransitionForm(request.POST)
    errors = {}
    if form.is_valid():
        try:
            workflow.transition(
                challenge,
                form.cleaned_data["to"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            errors = _errors_text(error)
    else:
        errors = {name: " ".join(problems) for name, problems in form.errors.items()}
    if errors:
        period = periods.period_default()
        return _detail(request, challenge, status=400, errors=errors, period=period)
    messages.success(request, _("The challenge is now: %(state)s.") % {"state": _state(challenge)})
    return redirect("civic:challenge_detail", pk=challenge.pk)


def _state(challenge: Challenge) -> str:
    challenge.refresh_from_db(fields=["status"])
    return challenge.get_status_display()


@login_required
@require_POST
def challenge_unlink(request: HttpRequest, pk: int, concern_pk: int) -> HttpResponse:
    """An officer unlinks a concern, saying why; a missing reason is a 400 naming `reason`."""
    _officer_only(request)
    challenge = _visible_challenge(request, pk)
    concern = get_object_or_404(Concern, pk=concern_pk)
    form = UnlinkForm(request.POST)
    form.is_valid()
    try:
        services.challenge_unlink_concern(
            challenge=challenge,
            concern=concern,
            actor=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
    except ValidationError as error:
        errors = {"unlink": concern.pk, **_errors_text(error)}
        return _detail(
            request, challenge, status=400, errors=errors, period=periods.period_default()
        )
    messages.success(
        request, _("Concern #%(id)s is no longer linked to this challenge.") % {"id": concern.pk}
    )
    return redirect("civic:challenge_detail", pk=challenge.pk)


# ---------------------------------------------------------------- officers' editing


def _form_page(request, form, challenge: Challenge | None, status: int = 200) -> HttpResponse:
    return render(
        request,
        "civic/challenge_form.html",
        {"form": form, "challenge": challenge, "tiles_url": settings.CIVIC_TILES_URL},
        status=status,
    )


def _add_service_errors(form, error: ValidationError) -> None:
    for name, problems in _errors_text(error).items():
        form.add_error(name if name in form.fields else None, problems)


@login_required
def challenge_new(request: HttpRequest) -> HttpResponse:
    """An officer creates a draft challenge, drawing its area on the map."""
    _officer_only(request)
    form = ChallengeForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                challenge = services.challenge_create(
                    actor=request.user,
                    title=data["title"],
                    description=data["description"],
                    theme=data["theme"],
                    geometry=data["geometry"],
                    area=data["area"],
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, _("The challenge was created as a draft."))
                return redirect("civic:challenge_detail", pk=challenge.pk)
        return _form_page(request, form, None, status=400)
    return _form_page(request, form, None)


@login_required
def challenge_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """An officer edits a challenge; a moved area makes its evidence be computed again."""
    _officer_only(request)
    challenge = get_object_or_404(Challenge, pk=pk)
    initial = {
        "title": challenge.title,
        "description": challenge.description,
        "theme": challenge.theme_id,
        "area": challenge.area_id,
        "geometry": challenge.geometry.geojson if challenge.geometry else "",
    }
    form = ChallengeForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.challenge_update(
                    challenge=challenge,
                    actor=request.user,
                    title=data["title"],
                    description=data["description"],
                    theme=data["theme"],
                    geometry=data["geometry"],
                    area=data["area"],
                )
            except ValidationError as error:
                _add_service_errors(form, error)
            else:
                messages.success(request, _("The challenge was saved."))
                return redirect("civic:challenge_detail", pk=challenge.pk)
        return _form_page(request, form, challenge, status=400)
    return _form_page(request, form, challenge)


# ---------------------------------------------------------------- grouping


def _candidates(theme: str, area: str):
    """Published concerns linked to no challenge, for the grouping list and map."""
    rows = (
        Concern.objects.filter(status=Concern.Status.PUBLISHED, challenges__isnull=True)
        .select_related("theme", "area")
        .order_by("-created_at", "-id")
    )
    if theme:
        rows = rows.filter(theme__slug=theme)
    if area:
        rows = rows.filter(area__code=area) | rows.filter(area__parent__code=area)
    return rows


CANDIDATES_SHOWN = 500


@login_required
def grouping_page(request: HttpRequest) -> HttpResponse:
    """Officers select unlinked concerns (list or map) and link them; suggestions beside."""
    _officer_only(request)
    status = 200
    errors: dict[str, str] = {}
    if request.method == "POST":
        response, errors = _grouping_post(request)
        if response is not None:
            return response
        status = 400
    theme_slug = request.GET.get("theme", "")
    area_code = request.GET.get("area", "")
    candidates = list(_candidates(theme_slug, area_code)[:CANDIDATES_SHOWN])
    theme = selectors.themes_active().filter(slug=theme_slug).first() if theme_slug else None
    suggestions = grouping.grouping_suggestions(theme=theme)
    open_challenges = list(
        Challenge.objects.exclude(status=Challenge.Status.CLOSED)
        .select_related("theme")
        .order_by("title", "pk")
    )
    # ASCII digits only: str.isdigit() accepts "²", which int() refuses.
    selected = {int(v) for v in request.POST.getlist("concerns") if WHOLE_NUMBER.fullmatch(v)}
    return render(
        request,
        "civic/grouping.html",
        {
            "candidates": candidates,
            "selected": selected,
            "map_data": {
                "concerns": [
                    {
                        "id": c.pk,
                        "description": c.description,
                        "theme": c.theme.name,
                        "colour": c.theme.colour,
                        "lon": c.location.x,
                        "lat": c.location.y,
                    }
                    for c in candidates
                ]
            },
            "suggestions": suggestions,
            "open_challenges": open_challenges,
            "themes": selectors.themes_active(),
            "areas": Area.objects.filter(
                kind__in=[Area.Kind.DISTRICT, Area.Kind.NEIGHBOURHOOD]
            ).order_by("kind", "name"),
            "chosen": {
                "theme": theme_slug,
                "area": area_code,
                "challenge": request.POST.get("challenge", request.GET.get("challenge", "")),
            },
            "errors": errors,
            "tiles_url": settings.CIVIC_TILES_URL,
            "settings": {
                "eps": settings.CIVIC_GROUPING_EPS_M,
                "min_points": settings.CIVIC_GROUPING_MIN_POINTS,
                "distance": settings.CIVIC_DUPLICATE_DISTANCE_M,
                "similarity": settings.CIVIC_DUPLICATE_SIMILARITY,
            },
        },
        status=status,
    )


def _grouping_post(request) -> tuple[HttpResponse | None, dict[str, str]]:
    """Do what the grouping form asks; (a redirect, {}) or (None, errors by field)."""
    form = GroupingForm(request.POST)
    if not form.is_valid():
        return None, {name: " ".join(problems) for name, problems in form.errors.items()}
    data = form.cleaned_data
    ids = data["concerns"]
    action = data["action"]
    try:
        if action == "duplicate":
            return _close_duplicate(request, data)
        if not ids:
            return None, {"concerns": _("Select at least one concern.")}
        concerns = list(Concern.objects.filter(pk__in=ids))
        unknown = sorted(set(ids) - {c.pk for c in concerns})
        if unknown:
            return None, {
                "concerns": _("No such concerns: %(ids)s.")
                % {"ids": ", ".join(f"#{pk}" for pk in unknown)}
            }
        if action == "link" and not data["challenge"]:
            return None, {"challenge": _("Choose a challenge.")}
        # A new challenge and its links are made together, or neither is.
        with transaction.atomic():
            if action == "new":
                challenge = services.challenge_create(
                    actor=request.user,
                    title=data["title"],
                    theme=data["theme"] or concerns[0].theme,
                    geometry=grouping.concerns_outline(ids=ids),
                )
            else:
                challenge = get_object_or_404(Challenge, pk=data["challenge"])
            services.challenge_link_concerns(
                challenge=challenge, concerns=concerns, actor=request.user
            )
    except ValidationError as error:
        return None, _errors_text(error)
    messages.success(
        request,
        _("%(n)s concerns linked to “%(title)s”.") % {"n": len(ids), "title": challenge.title},
    )
    return redirect("civic:challenge_detail", pk=challenge.pk), {}


def _close_duplicate(request, data) -> tuple[HttpResponse | None, dict[str, str]]:
    if len(data["concerns"]) != 1:
        return None, {"concerns": _("Select the one concern to close as a duplicate.")}
    concern = get_object_or_404(Concern, pk=data["concerns"][0])
    original = data["original"]
    # The note reaches the concern's author: it may name only a public concern, not itself.
    if original is not None and (
        original == concern.pk
        or not Concern.objects.filter(pk=original, status__in=PUBLIC_CONCERN_STATUSES).exists()
    ):
        return None, {"original": _("Name another published concern as the original.")}
    note = _("Closed as a duplicate of concern #%(id)s.") % {"id": original} if original else ""
    workflow.transition(
        concern,
        Concern.Status.CLOSED,
        actor=request.user,
        note=note,
        changes={"outcome": Concern.Outcome.DUPLICATE},
    )
    messages.success(request, _("Concern #%(id)s was closed as a duplicate.") % {"id": concern.pk})
    return redirect(reverse("civic:grouping")), {}

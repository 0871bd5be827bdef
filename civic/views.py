"""Pages of the core: public map, filing a concern, my concerns, moderation."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from civic import periods, selectors, services, workflow
from civic.forms import ConcernForm, ModerationForm
from civic.map_layers import map_layers_data
from civic.menu import WORK, menu_for
from civic.models import Concern
from civic.open_data import datasets
from civic.roles import RESIDENT, is_staff_member, user_has_role
from civic.vocabulary import map_layer_source


def public_map(request):
    """The public map of published concerns and sensor squares for one period, from the API."""
    try:
        chosen = periods.period_from_param(request.GET.get("period"))
    except ValidationError as error:
        # A hand-edited or stale link: say which period was wrong, as a page.
        return render(
            request,
            "civic/period_error.html",
            {"message": " ".join(error.message_dict["period"])},
            status=400,
        )
    period = chosen or periods.period_default()
    themes = list(selectors.themes_active())
    layer = map_layer_source()
    return render(
        request,
        "civic/map.html",
        {
            "themes": themes,
            "themes_json": {t.slug: {"name": t.name, "colour": t.colour} for t in themes},
            "tiles_url": settings.CIVIC_TILES_URL,
            "period": period,
            "period_label": periods.period_label(period) if period else "",
            "periods": list(periods.periods_with_data()),
            "spots": selectors.sensor_spots_summary(period=period),
            # The app that registered a map layer draws its squares (the core names none).
            "layer_url": reverse(layer.map_layer) if layer else "",
            # Layers apps add (their public features), drawn by maps.js.
            "map_layers": map_layers_data(),
        },
    )


@login_required
def concern_new(request):
    """A signed-in resident files a concern by clicking the map."""
    if not (user_has_role(request.user, RESIDENT) or is_staff_member(request.user)):
        raise PermissionDenied
    form = ConcernForm(request.POST or None, request.FILES or None)
    location_error = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            concern = services.concern_create(
                author=request.user,
                theme=data["theme"],
                description=data["description"],
                location=Point(data["longitude"], data["latitude"], srid=4326),
                photo=data.get("photo"),
            )
        except ValidationError as error:
            problems = dict(error.message_dict)
            # The service speaks of "location"; the page shows it under the map.
            location_error = " ".join(problems.pop("location", []))
            for field, messages_ in problems.items():
                for problem in messages_:
                    form.add_error(field if field in form.fields else None, problem)
        else:
            messages.success(
                request,
                _("Thank you. Your concern #%(id)s was received and will be checked soon.")
                % {"id": concern.pk},
            )
            return redirect("civic:concern_mine")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "civic/concern_new.html",
        {"form": form, "tiles_url": settings.CIVIC_TILES_URL, "location_error": location_error},
        status=status,
    )


@login_required
def concern_mine(request):
    """A resident's own concerns, each with its status history and its challenges."""
    concerns = selectors.concerns_of_author_with_challenges(user=request.user)
    histories = selectors.histories_of(concerns)
    labels = dict(Concern.Status.choices)
    for concern in concerns:
        concern.history = histories.get(concern.pk, [])
        for event in concern.history:
            event.from_label = labels.get(event.from_state, event.from_state)
            event.to_label = labels.get(event.to_state, event.to_state)
    # Messages (about these concerns and more) are on the notifications page.
    return render(request, "civic/concern_mine.html", {"concerns": concerns})


def _officer_only(request) -> None:
    # is_staff_member is False for anonymous users too.
    if not is_staff_member(request.user):
        raise PermissionDenied


@login_required
def moderation_queue(request):
    """Officers publish or reject submitted concerns, oldest first."""
    _officer_only(request)
    # The officer's other work pages (challenges, surveys, readings), as the apps register them.
    work = [item for item in menu_for(request.user, group=WORK) if item.key != "moderation"]
    return render(
        request,
        "civic/moderation.html",
        {"concerns": selectors.moderation_queue()[:100], "work": work},
    )


@login_required
@require_POST
def moderation_decide(request, pk: int):
    """Publish or reject one concern; answers the updated row for htmx."""
    _officer_only(request)
    concern = get_object_or_404(Concern, pk=pk)
    form = ModerationForm(request.POST)
    error = None
    if form.is_valid():
        try:
            workflow.transition(
                concern,
                form.cleaned_data["to"],
                actor=request.user,
                note=form.cleaned_data["note"],
            )
        except ValidationError as problem:
            error = " ".join(m for ms in problem.message_dict.values() for m in ms)
    else:
        error = _("Choose publish or reject.")
    concern.refresh_from_db()
    context = {"concern": concern, "error": error}
    if request.htmx:
        return render(request, "civic/_moderation_row.html", context, status=400 if error else 200)
    if error:
        messages.error(request, error)
    return redirect("civic:moderation")


class SectionPlannedView(TemplateView):
    """The landing page of a section whose pages arrive with a later issue."""

    template_name = "civic/section_planned.html"
    title = ""
    lead = ""

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "title": self.title, "lead": self.lead}


def open_data(request):
    """The open-data files the apps publish, each column explained (civic.open_data)."""
    return render(request, "civic/open_data.html", {"datasets": datasets()})

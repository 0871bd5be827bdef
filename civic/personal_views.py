"""Pages about the signed-in user: where they land, their notifications, their preferences."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from civic import selectors, services
from civic.menu import landing_for
from civic.notification_preferences import (
    notification_preferences_of,
    notification_preferences_set,
)

NOTIFICATIONS_PER_PAGE = 30


@login_required
def start(request):
    """Where LOGIN_REDIRECT_URL leads: the page of the user's role (civic.menu)."""
    return redirect(landing_for(request.user))


def _internal(url: str) -> bool:
    # Links are written by the service (reverse()), but a page never offers another site.
    return bool(url) and url_has_allowed_host_and_scheme(url, allowed_hosts=None)


@login_required
def notifications(request):
    """The user's messages, newest first, with links; opening the page marks them read."""
    paginator = Paginator(selectors.notifications_for(user=request.user), NOTIFICATIONS_PER_PAGE)
    page = paginator.get_page(request.GET.get("page"))
    notes = list(page.object_list)
    for note in notes:
        note.link = note.url if _internal(note.url) else ""
    response = render(request, "civic/notifications.html", {"page": page, "notifications": notes})
    # After rendering, so this view still shows which ones were new.
    services.notifications_mark_read(user=request.user)
    return response


class PreferencesForm(forms.Form):
    """One checkbox per registered kind of notification."""

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        for choice in choices:
            self.fields[choice.kind.key] = forms.BooleanField(
                label=choice.kind.label,
                help_text=choice.kind.explanation,
                required=False,
                initial=choice.enabled,
            )


@login_required
@require_http_methods(["GET", "POST"])
def notification_preferences(request):
    """Residents switch each kind of notification on or off (in the app and by e-mail)."""
    choices = notification_preferences_of(user=request.user)
    # A form with every box unticked sends no field at all: still a valid answer.
    data = request.POST if request.method == "POST" else None
    form = PreferencesForm(data, choices=choices)
    if request.method == "POST" and form.is_valid():
        notification_preferences_set(user=request.user, choices=form.cleaned_data)
        messages.success(request, _("Your notification settings are saved."))
        return redirect("civic:notification_preferences")
    return render(request, "civic/notification_preferences.html", {"form": form})

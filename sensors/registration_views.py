"""Officers register many sensors from a CSV or GeoJSON file and fetch their tokens once.

The form posts the file; a bad row refuses it whole and the page names each
row and field (400). A registered file leads to its own page, which offers the
device tokens file for one download (a POST, so no link preview or prefetch
can use it up) during sensors.bulk_registration.TOKENS_TTL.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from civic.roles import is_staff_member
from sensors.bulk_registration import (
    MAX_FILE_BYTES,
    MAX_SENSORS,
    TOKENS_TTL,
    RegistrationRejected,
    TokensGone,
    TokensNotHeld,
    registration_tokens_take,
    sensors_register_file,
)
from sensors.models import SensorRegistration

# Bad rows shown on the page; the rest are counted.
SHOWN_PROBLEMS = 100
# The officer's own registrations listed under the form.
RECENT = 10
# Sensors listed on a registration's page.
SHOWN_SENSORS = 500


class RegistrationFileForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV or GeoJSON file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is %(size)s; upload at most %(limit)s.")
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_FILE_BYTES)}
            )
        return upload


def _officer_only(request) -> None:
    if not is_staff_member(request.user):
        raise PermissionDenied


def _recent(user):
    return SensorRegistration.objects.filter(created_by=user)[:RECENT]


@login_required
@require_http_methods(["GET", "POST"])
def register(request):
    """The form; on a bad file the named rows and fields (400), else the registration's page."""
    _officer_only(request)
    rejected = None
    unavailable = False
    status = 200
    if request.method == "POST":
        form = RegistrationFileForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                registration, _none = sensors_register_file(
                    actor=request.user, content=upload.read(), file_name=upload.name or ""
                )
            except RegistrationRejected as error:
                rejected = error
            except TokensNotHeld:
                unavailable = True
            else:
                return redirect("sensors:registration", pk=registration.pk)
        status = 503 if unavailable else 400
    else:
        form = RegistrationFileForm()
    context = {
        "form": form,
        "rejected": rejected,
        "problems": rejected.rows[:SHOWN_PROBLEMS] if rejected else [],
        "more_problems": max(0, rejected.count - SHOWN_PROBLEMS) if rejected else 0,
        "unavailable": unavailable,
        "max_bytes": MAX_FILE_BYTES,
        "max_sensors": MAX_SENSORS,
        "ttl_minutes": int(TOKENS_TTL.total_seconds() // 60),
        "registrations": _recent(request.user),
    }
    return render(request, "sensors/register.html", context, status=status)


def _own(request, pk: int) -> SensorRegistration:
    """One of the officer's own registrations; another officer's is a 404."""
    _officer_only(request)
    return get_object_or_404(SensorRegistration, pk=pk, created_by=request.user)


def _page(request, registration: SensorRegistration, *, gone: str = "", status: int = 200):
    sensors = registration.sensors.select_related("area", "owner").order_by("external_id")
    available = not gone and registration.tokens_waiting
    context = {
        "registration": registration,
        "sensors": sensors[:SHOWN_SENSORS],
        "more_sensors": max(0, registration.sensor_count - SHOWN_SENSORS),
        "available": available,
        "gone": gone,
        "registrations": _recent(request.user),
    }
    return render(request, "sensors/registration.html", context, status=status)


@login_required
def registration(request, pk: int):
    """What a file registered, and its device tokens file while it can still be fetched."""
    return _page(request, _own(request, pk))


@login_required
@require_POST
def registration_tokens(request, pk: int):
    """The device tokens file (CSV: device_id, token), once; afterwards 410 with the reason."""
    registration = _own(request, pk)
    try:
        tokens_csv = registration_tokens_take(registration=registration)
    except TokensGone as error:
        registration.refresh_from_db()
        return _page(request, registration, gone=str(error), status=410)
    response = HttpResponse(tokens_csv, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="device-tokens-{registration.pk}.csv"'
    response["Cache-Control"] = "no-store"
    return response

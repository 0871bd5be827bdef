"""Officers upload a CSV file of readings: checked whole, then stored whole, or refused whole.

A small file is imported during the request; a larger one is stored and
imported by a Celery task on queue "ingest", and its page follows the import.
"""

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from civic.roles import is_staff_member
from sensors.csv_import import CsvImportRejected, readings_import_csv
from sensors.models import ReadingImport, Sensor
from sensors.reading_imports import reading_import_create

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Files up to this size (~40,000 rows) are imported during the request, in about
# a second (bench/csv_import.py); larger ones in the background.
# settings.SENSORS_CSV_SYNC_MAX_BYTES overrides it.
SYNC_MAX_BYTES = 2 * 1024 * 1024
# Row errors shown on the page; the rest are counted.
SHOWN_ERRORS = 50
# The officer's own imports listed under the form.
RECENT_IMPORTS = 10
# How often a page of a running import asks for news.
POLL_SECONDS = 3


class SensorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Sensor) -> str:
        return f"{obj.external_id} — {obj.name}" if obj.name else obj.external_id


class ReadingsUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))
    sensor = SensorChoiceField(
        label=gettext_lazy("Sensor"),
        queryset=Sensor.objects.order_by("external_id"),
        required=False,
        empty_label=gettext_lazy("— the device_id column says —"),
        help_text=gettext_lazy("Choose one when every row belongs to the same sensor."),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s; upload at most %(limit)s "
                    "or use manage.py import_readings."
                )
                % {"size": filesizeformat(upload.size), "limit": filesizeformat(MAX_UPLOAD_BYTES)}
            )
        return upload


def sync_max_bytes() -> int:
    """The largest file imported during the request."""
    return getattr(settings, "SENSORS_CSV_SYNC_MAX_BYTES", SYNC_MAX_BYTES)


def _officer_only(request) -> None:
    # is_staff_member is False for anonymous users too.
    if not is_staff_member(request.user):
        raise PermissionDenied


def _recent_imports(user):
    return ReadingImport.objects.filter(uploaded_by=user).order_by("-created_at", "-id")[
        :RECENT_IMPORTS
    ]


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    """An officer uploads a CSV of readings; a bad row refuses the file, naming line and column.

    `?import=<id>` shows one of the officer's background imports instead.
    """
    _officer_only(request)
    if request.method == "GET" and "import" in request.GET:
        return _import_page(request, request.GET["import"])
    result = rejected = None
    status = 200
    if request.method == "POST":
        form = ReadingsUploadForm(request.POST, request.FILES)
        if form.is_valid():
            file, sensor = form.cleaned_data["file"], form.cleaned_data["sensor"]
            if file.size > sync_max_bytes():
                job = reading_import_create(uploaded_by=request.user, file=file, sensor=sensor)
                return redirect(import_url(job))
            try:
                result = readings_import_csv(file=file, sensor=sensor)
            except CsvImportRejected as error:
                rejected = error
        if result is None:
            status = 400
    else:
        form = ReadingsUploadForm()
    context = {
        "form": form,
        "result": result,
        "row_errors": rejected.row_errors[:SHOWN_ERRORS] if rejected else [],
        "more_errors": max(0, rejected.error_count - SHOWN_ERRORS) if rejected else 0,
        "error_count": rejected.error_count if rejected else 0,
        "max_upload": MAX_UPLOAD_BYTES,
        "sync_max": sync_max_bytes(),
        "imports": _recent_imports(request.user),
    }
    return render(request, "sensors/upload.html", context, status=status)


def import_url(job: ReadingImport) -> str:
    return f"{reverse('sensors:upload')}?import={job.pk}"


def _import_page(request, pk: str):
    """One of the officer's own background imports; the page asks for news until it ends.

    Another officer's import is a 404: its existence is not theirs to know.
    htmx polls with `&shown=<status>`: no news is a 204 (nothing swapped), an
    end reloads the page to show the outcome, another step swaps the status line.
    """
    if not (pk.isascii() and pk.isdigit() and len(pk) < 19):  # a bigint, or nothing
        raise Http404
    job = get_object_or_404(ReadingImport, pk=int(pk), uploaded_by=request.user)
    if request.htmx:
        if request.GET.get("shown") == job.status:
            return HttpResponse(status=204)
        if job.finished:
            return HttpResponseClientRefresh()
        return render(
            request, "sensors/upload_import_status.html", {"job": job, "poll": POLL_SECONDS}
        )
    errors = job.row_errors[:SHOWN_ERRORS]
    context = {
        "job": job,
        "poll": POLL_SECONDS,
        "result": job if job.status == ReadingImport.Status.DONE else None,
        "row_errors": errors,
        "error_count": job.error_count,
        "more_errors": max(0, job.error_count - len(errors)),
        "imports": _recent_imports(request.user),
    }
    return render(request, "sensors/upload_import.html", context)

"""Officers upload a CSV file of readings: checked whole, then stored whole, or refused whole."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from civic.roles import is_staff_member
from sensors.csv_import import CsvImportRejected, readings_import_csv
from sensors.models import Sensor

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Row errors shown on the page; the rest are counted.
SHOWN_ERRORS = 50


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


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    """An officer uploads a CSV of readings; a bad row refuses the file, naming line and column."""
    if not is_staff_member(request.user):
        raise PermissionDenied
    result = rejected = None
    status = 200
    if request.method == "POST":
        form = ReadingsUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                result = readings_import_csv(
                    file=form.cleaned_data["file"], sensor=form.cleaned_data["sensor"]
                )
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
    }
    return render(request, "sensors/upload.html", context, status=status)

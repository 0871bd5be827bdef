"""Admin of the sensor network: sensors, tokens (hash only), readings, imports, pending work."""

from django import forms
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from civic import selectors as civic_selectors
from civic.admin import move_action
from civic.admin_lookups import DeclaredLookupsOnly, ReadOnlyAdmin
from sensors import services
from sensors.models import (
    DeviceToken,
    DirtyDay,
    Reading,
    ReadingImport,
    Sensor,
    SensorRegistration,
)
from sensors.quantities import QUANTITIES


class DeviceTokenInline(admin.TabularInline):
    """Only hints are shown: the secrets themselves are never stored."""

    model = DeviceToken
    extra = 0
    fields = ["hint", "created_at", "revoked_at"]
    readonly_fields = ["hint", "created_at"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.action(description=_("Issue a new device token (shown once)"))
def issue_token(modeladmin, request, queryset):
    for sensor in queryset:
        token = services.device_token_issue(sensor=sensor, actor=request.user)
        modeladmin.message_user(
            request,
            _("New token for %(sensor)s: %(token)s (copy it now; it is not shown again).")
            % {"sensor": sensor, "token": token},
            level=messages.WARNING,
        )


@admin.action(description=_("Revoke all device tokens"))
def revoke_tokens(modeladmin, request, queryset):
    for sensor in queryset:
        services.device_tokens_revoke(sensor=sensor, actor=request.user)
    modeladmin.message_user(request, _("Tokens revoked."))


class SensorAdminForm(forms.ModelForm):
    """The admin's sensor form, holding kind and owner to the rule registration holds them to."""

    class Meta:
        model = Sensor
        fields = "__all__"  # noqa: DJ007 (the admin's fieldsets decide what is shown)

    def clean(self):
        data = super().clean()
        if "kind" in data and "owner" in data:
            _fields, errors = services.sensor_fields_check(
                external_id=data.get("external_id") or "-",
                kind=data["kind"],
                hardware=data.get("hardware") or Sensor.Hardware.NATIVE,
                quantities=data.get("quantities") or list(QUANTITIES)[:1],
                owner=data["owner"],
            )
            if "owner" in errors:
                self.add_error("owner", errors["owner"])
        return data


@admin.register(Sensor)
class SensorAdmin(DeclaredLookupsOnly, LeafletGeoAdmin):
    form = SensorAdminForm
    list_display = [
        "external_id",
        "name",
        "kind",
        "hardware",
        "owner",
        "area",
        "status",
        "last_seen_at",
    ]
    list_filter = ["status", "kind", "hardware", "area", "exposure", "surface"]
    search_fields = ["external_id", "name", "owner__username", "owner__email"]
    # The status changes only through the workflow (sensors.workflow): by the actions
    # here, the owner, or the service itself (silent, reporting again), each with an event.
    readonly_fields = [
        "status",
        "status_history",
        "public_location",
        "area",
        "registration",
        "last_seen_at",
        "created_at",
    ]
    raw_id_fields = ["owner"]
    inlines = [DeviceTokenInline]
    actions = [
        issue_token,
        revoke_tokens,
        move_action(Sensor.Status.RETIRED, _("Retire selected sensors")),
        move_action(Sensor.Status.ACTIVE, _("Reactivate selected retired sensors")),
    ]

    @admin.display(description=_("status history"))
    def status_history(self, obj):
        labels = dict(Sensor.Status.choices)
        rows = [
            (
                date_format(timezone.localtime(event.at), "SHORT_DATETIME_FORMAT"),
                labels.get(event.from_state, event.from_state or "-"),
                labels.get(event.to_state, event.to_state),
                event.actor or _("the service"),
            )
            for event in (civic_selectors.history_of(obj) if obj.pk else [])
        ]
        if not rows:
            return "-"
        return format_html_join("\n", "<div>{}: {} → {} ({})</div>", rows)

    def save_model(self, request, obj, form, change):
        if "location" in form.changed_data or not change:
            obj.public_location, obj.area = services.sensor_public_place(obj.location)
        super().save_model(request, obj, form, change)


@admin.register(Reading)
class ReadingAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only; the table is large, so no full count and filters by sensor id."""

    list_display = ["sensor", "quantity", "observed_at", "value", "received_at"]
    list_filter = ["quantity"]
    search_fields = ["sensor__external_id"]
    raw_id_fields = ["sensor"]
    show_full_result_count = False
    date_hierarchy = "observed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(DirtyDay)
class DirtyDayAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["sensor", "day", "marked_at"]
    raw_id_fields = ["sensor"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ReadingImport)
class ReadingImportAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: imports are made by uploads and ended by their task.

    The stored file is left out: it is never downloadable (MEDIA_URL is not served).
    """

    list_display = [
        "original_name",
        "uploaded_by",
        "status",
        "size",
        "received",
        "stored",
        "error_count",
        "created_at",
        "finished_at",
    ]
    list_filter = ["status"]
    search_fields = ["original_name", "uploaded_by__username", "device_id"]
    date_hierarchy = "created_at"
    fields = [
        "uploaded_by",
        "original_name",
        "size",
        "device_id",
        "language",
        "status",
        "received",
        "stored",
        "error_count",
        "row_errors",
        "error",
        "attempts",
        "created_at",
        "queued_at",
        "started_at",
        "finished_at",
    ]
    readonly_fields = fields


@admin.register(SensorRegistration)
class SensorRegistrationAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: who registered which file of sensors, and whether its tokens were fetched.

    The sealed tokens file is never shown (it is useless without its pad in Redis anyway).
    """

    list_display = [
        "file_name",
        "created_by",
        "sensor_count",
        "created_at",
        "tokens_expire_at",
        "tokens_downloaded_at",
    ]
    search_fields = ["file_name", "created_by__username", "created_by__email"]
    date_hierarchy = "created_at"
    fields = [
        "file_name",
        "created_by",
        "sensor_count",
        "created_at",
        "tokens_expire_at",
        "tokens_downloaded_at",
    ]
    readonly_fields = fields

"""Django admin for every core model, with filters and search.

Status fields are read-only here: the admin's "move" actions go through the
workflow engine, so the audit trail stays complete.
"""

from allauth.account.admin import EmailAddressAdmin as BaseEmailAddressAdmin
from allauth.account.models import EmailAddress
from axes.admin import AccessAttemptAdmin as BaseAccessAttemptAdmin
from axes.admin import AccessFailureLogAdmin as BaseAccessFailureLogAdmin
from axes.admin import AccessLogAdmin as BaseAccessLogAdmin
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from civic import periods, selectors, services, workflow
from civic.admin_lookups import DeclaredLookupsOnly, ReadOnlyAdmin
from civic.models import (
    Area,
    Challenge,
    ChallengeConcern,
    ChallengeConcernChange,
    Concern,
    Evidence,
    EvidencePeriod,
    EvidenceStale,
    Notification,
    Theme,
    User,
    WorkflowEvent,
)
from civic.models.concerns import PUBLIC_CONCERN_STATUSES
from civic.roles import is_staff_member


def _account_email_clean(form: forms.ModelForm) -> str:
    """An account's e-mail address (the field is required): no other account's, in any case."""
    email = User.objects.normalize_email(form.cleaned_data["email"])
    others = User.objects.filter(email__iexact=email).exclude(pk=form.instance.pk)
    if others.exists():
        raise ValidationError(_("Another account already uses this e-mail address."))
    return email


class UserAdminCreationForm(AdminUserCreationForm):
    """A new account in the admin gets an e-mail address (login, password reset, messages)."""

    class Meta(AdminUserCreationForm.Meta):
        model = User
        fields = ("username", "email")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self) -> str:
        return _account_email_clean(self)


class UserAdminChangeForm(UserChangeForm):
    """An account edited in the admin keeps an e-mail address no other account has."""

    class Meta(UserChangeForm.Meta):
        model = User

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].required = True

    def clean_email(self) -> str:
        return _account_email_clean(self)


@admin.register(User)
class UserAdmin(DeclaredLookupsOnly, BaseUserAdmin):
    """Accounts (administrators only): every account has its own e-mail address."""

    form = UserAdminChangeForm
    add_form = UserAdminCreationForm
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "email", "usable_password", "password1", "password2"),
            },
        ),
    )
    list_display = ["username", "email", "is_active", "is_staff", "date_joined"]
    list_filter = ["groups", "is_active", "is_staff", "language"]
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Preferences"), {"fields": ("language",)}))


# The admins that installed libraries register, with the same rule for lookups.
admin.site.unregister(Group)
admin.site.unregister(TokenProxy)
admin.site.unregister(EmailAddress)
admin.site.unregister([AccessAttempt, AccessLog, AccessFailureLog])


@admin.register(Group)
class GroupAdmin(DeclaredLookupsOnly, BaseGroupAdmin):
    """Role groups (kept in line with civic.roles by roles_sync)."""


@admin.register(TokenProxy)
class TokenAdmin(DeclaredLookupsOnly, BaseTokenAdmin):
    """API tokens (Django REST framework's admin)."""


@admin.register(EmailAddress)
class EmailAddressAdmin(DeclaredLookupsOnly, BaseEmailAddressAdmin):
    """E-mail addresses and their verification (django-allauth's admin)."""


@admin.register(AccessAttempt)
class AccessAttemptAdmin(DeclaredLookupsOnly, BaseAccessAttemptAdmin):
    """Failed logins counted towards a lockout (django-axes' admin); deleting one lifts it."""


@admin.register(AccessLog)
class AccessLogAdmin(DeclaredLookupsOnly, BaseAccessLogAdmin):
    """Logins (django-axes' admin; empty while AXES_DISABLE_ACCESS_LOG is on)."""


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(DeclaredLookupsOnly, BaseAccessFailureLogAdmin):
    """Every failed login, kept for the cool-off (django-axes' admin)."""


@admin.register(Area)
class AreaAdmin(DeclaredLookupsOnly, LeafletGeoAdmin):
    list_display = ["name", "kind", "code", "parent", "population"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Theme)
class ThemeAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["slug", "name_nl", "name_en", "colour", "is_active", "order"]
    list_editable = ["is_active", "order"]
    search_fields = ["slug", "name_nl", "name_en"]


def move_action(target: str, label):
    """An admin action that moves the selected objects through civic.workflow, one by one."""

    def act(modeladmin, request, queryset):
        done, failed = 0, []
        for obj in queryset:
            try:
                workflow.transition(obj, target, actor=request.user)
                done += 1
            except (ValidationError, PermissionDenied) as error:
                failed.append(f"#{obj.pk}: {' '.join(getattr(error, 'messages', [str(error)]))}")
        if done:
            modeladmin.message_user(request, _("%(n)d moved.") % {"n": done})
        for problem in failed:
            modeladmin.message_user(request, problem, level=messages.ERROR)

    act.__name__ = f"move_to_{target}"
    act.short_description = label
    act.allowed_permissions = ("change",)
    return act


class ChallengeConcernInline(admin.TabularInline):
    """Read-only here: links are made through the link form so the concern moves too."""

    model = ChallengeConcern
    extra = 0
    fields = ["concern", "linked_by", "linked_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class ConcernAdminForm(forms.ModelForm):
    """Admin edits get the same location checks as the site and the API."""

    class Meta:
        model = Concern
        # The photo is not editable here: uploads go through the EXIF-stripping service.
        fields = ["author", "theme", "description", "location", "source", "external_id"]

    def clean_location(self):
        try:
            return services.location_clean(self.cleaned_data["location"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["location"]) from None


@admin.register(Concern)
class ConcernAdmin(DeclaredLookupsOnly, LeafletGeoAdmin):
    form = ConcernAdminForm
    list_display = ["id", "theme", "status", "area", "source", "created_at"]
    list_filter = ["status", "theme", "source", "area", "created_at"]
    search_fields = ["description", "author__username", "author__email", "external_id"]
    readonly_fields = ["status", "outcome", "created_at", "updated_at", "area", "photo_link"]
    raw_id_fields = ["author"]
    date_hierarchy = "created_at"

    @admin.display(description=_("photo"))
    def photo_link(self, obj):
        if not obj.photo:
            return "-"
        url = reverse("civic:concern_photo", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("view photo"))

    actions = [move_action(Concern.Status.PUBLISHED, _("Publish selected concerns"))]

    # Council members (view only) see what the public sees: public concerns, no author.
    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_staff_member(request.user):
            return queryset
        return queryset.filter(status__in=PUBLIC_CONCERN_STATUSES)

    def get_search_fields(self, request):
        if is_staff_member(request.user):
            return self.search_fields
        return ["description"]

    def get_exclude(self, request, obj=None):
        return None if is_staff_member(request.user) else ["author", "external_id"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # The author of an existing concern is a fact, not something to edit.
        return [*fields, "author"] if obj is not None and is_staff_member(request.user) else fields

    def save_model(self, request, obj, form, change):
        if "location" in form.changed_data or not change:
            obj.area = selectors.area_for_point(point=obj.location)
        super().save_model(request, obj, form, change)
        if not change:
            workflow.record_creation(obj, actor=request.user)


class ChallengeAdminForm(forms.ModelForm):
    """Admin edits of a challenge's geometry get the service's checks."""

    class Meta:
        model = Challenge
        fields = ["title", "description", "theme", "geometry", "owner"]

    def clean_geometry(self):
        try:
            return services.geometry_clean(self.cleaned_data.get("geometry"))
        except ValidationError as error:
            raise ValidationError(error.message_dict["geometry"]) from None


@admin.register(Challenge)
class ChallengeAdmin(DeclaredLookupsOnly, LeafletGeoAdmin):
    form = ChallengeAdminForm
    list_display = ["title", "theme", "status", "area", "owner", "created_at"]
    list_filter = ["status", "theme", "area"]
    search_fields = ["title", "description"]
    readonly_fields = ["status", "created_at", "updated_at"]
    inlines = [ChallengeConcernInline]
    actions = [
        move_action(Challenge.Status.OPEN, _("Open selected challenges")),
        move_action(Challenge.Status.PRIORITISED, _("Prioritise selected challenges")),
    ]

    def save_model(self, request, obj, form, change):
        if "geometry" in form.changed_data or not change:
            obj.area = (
                selectors.area_for_point(point=obj.geometry.point_on_surface)
                if obj.geometry
                else None
            )
        super().save_model(request, obj, form, change)
        if not change:
            workflow.record_creation(obj, actor=request.user)


class ChallengeConcernAdminForm(forms.ModelForm):
    """Link one concern to a challenge through the service (published only)."""

    class Meta:
        model = ChallengeConcern
        fields = ["challenge", "concern"]

    def clean(self):
        cleaned = super().clean()
        concern, challenge = cleaned.get("concern"), cleaned.get("challenge")
        if concern is not None and not concern.is_public:
            raise ValidationError({"concern": _("Only published concerns can be linked.")})
        if challenge is not None and challenge.status == Challenge.Status.CLOSED:
            raise ValidationError({"challenge": _("This challenge is closed.")})
        return cleaned


@admin.register(ChallengeConcern)
class ChallengeConcernAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    """Linking moves a published concern to “linked”; links are kept, never edited."""

    form = ChallengeConcernAdminForm
    list_display = ["challenge", "concern", "linked_by", "linked_at"]
    list_filter = ["challenge"]
    raw_id_fields = ["concern"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        links = services.challenge_link_concerns(
            challenge=obj.challenge, concerns=[obj.concern], actor=request.user
        )
        if links:
            obj.pk = links[0].pk


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: figures are written by their source through civic.evidence, never by hand."""

    list_display = ["challenge", "area", "period", "source", "name", "value", "computed_at"]
    list_filter = ["source", "period__kind", "name"]
    search_fields = ["challenge__title", "area__name", "name"]
    list_select_related = ["challenge", "area", "period"]


class EvidencePeriodForm(forms.ModelForm):
    """An officer's period: checked as the service checks it, before anything is saved."""

    class Meta:
        model = EvidencePeriod
        fields = ["name", "start", "end"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end:
            try:
                periods.period_range_clean(start, end)
            except ValidationError as error:
                raise ValidationError({"end": error.message_dict["period"]}) from None
        return cleaned


@admin.register(EvidencePeriod)
class EvidencePeriodAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    """The periods figures describe; officers add their own (every source then computes it)."""

    list_display = ["key", "kind", "start", "end", "name", "data_days"]
    list_filter = ["kind"]
    search_fields = ["key", "name"]
    form = EvidencePeriodForm

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Seasons, heat waves and the live window belong to the data; an officer's own
        # period may go (administrators: officers never delete).
        return (
            super().has_delete_permission(request, obj)
            and obj is not None
            and obj.kind == EvidencePeriod.Kind.CUSTOM
        )

    def save_model(self, request, obj, form, change):
        created = periods.period_custom_create(
            actor=request.user, start=obj.start, end=obj.end, name=obj.name
        )
        obj.pk = created.pk


@admin.register(EvidenceStale)
class EvidenceStaleAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: the figures waiting to be recomputed (the sources claim them)."""

    list_display = ["source", "period", "subject_kind", "subject_id", "marked_at"]
    list_filter = ["source"]


@admin.register(ChallengeConcernChange)
class ChallengeConcernChangeAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: every link and unlink of a concern, with who and why (append-only)."""

    list_display = ["at", "action", "challenge", "concern", "actor"]
    list_filter = ["action"]
    search_fields = ["reason", "challenge__title"]
    list_select_related = ["challenge", "concern", "actor"]


def _without_confidential(queryset, request, prefix: str):
    """Events of confidential workflows (civic.workflow) only for superusers.

    Who was asked (a notification's recipient, the creation event) and what was
    answered (the answer's event on the same subject) must not be joined by staff.
    """
    if request.user.is_superuser:
        return queryset
    hidden = [ContentType.objects.get_for_model(m) for m in workflow.confidential_models()]
    return queryset.exclude(**{f"{prefix}content_type__in": hidden}) if hidden else queryset


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["at", "content_type", "object_id", "from_state", "to_state", "actor"]
    list_filter = ["content_type", "to_state"]
    search_fields = ["note", "actor__username"]
    date_hierarchy = "at"

    def get_queryset(self, request):
        return _without_confidential(super().get_queryset(request), request, "")


@admin.register(Notification)
class NotificationAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    # A resident's notification settings (NotificationPreference) stay out of the
    # admin: their own page and the API set them, and nobody else needs them.
    list_display = ["recipient", "kind", "message", "created_at", "emailed_at", "read_at"]
    list_filter = ["emailed_at", "read_at"]
    search_fields = ["recipient__username", "message"]
    raw_id_fields = ["recipient", "event"]

    def get_queryset(self, request):
        return _without_confidential(super().get_queryset(request), request, "event__")

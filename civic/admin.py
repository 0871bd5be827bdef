"""Django admin for every core model, with filters and search.

Status fields are read-only here: the admin's "move" actions go through the
workflow engine, so the audit trail stays complete.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext_lazy as _
from leaflet.admin import LeafletGeoAdmin

from civic import workflow
from civic.models import (
    Area,
    Challenge,
    ChallengeConcern,
    Concern,
    Evidence,
    Notification,
    Theme,
    User,
    WorkflowEvent,
)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "email", "is_active", "is_staff", "date_joined"]
    list_filter = ["groups", "is_active", "is_staff", "language"]
    fieldsets = (*BaseUserAdmin.fieldsets, (_("Preferences"), {"fields": ("language",)}))


@admin.register(Area)
class AreaAdmin(LeafletGeoAdmin):
    list_display = ["name", "kind", "code", "parent", "population"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["slug", "name_nl", "name_en", "colour", "is_active", "order"]
    list_editable = ["is_active", "order"]
    search_fields = ["slug", "name_nl", "name_en"]


def _move_action(model, target: str, label):
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
    return act


class ChallengeConcernInline(admin.TabularInline):
    model = ChallengeConcern
    extra = 0
    raw_id_fields = ["concern", "linked_by"]
    readonly_fields = ["linked_at", "linked_by"]


@admin.register(Concern)
class ConcernAdmin(LeafletGeoAdmin):
    list_display = ["id", "theme", "status", "area", "source", "created_at"]
    list_filter = ["status", "theme", "source", "area", "created_at"]
    search_fields = ["description", "author__username", "author__email", "external_id"]
    readonly_fields = ["status", "outcome", "created_at", "updated_at", "area"]
    raw_id_fields = ["author"]
    date_hierarchy = "created_at"
    actions = [_move_action(Concern, Concern.Status.PUBLISHED, _("Publish selected concerns"))]


@admin.register(Challenge)
class ChallengeAdmin(LeafletGeoAdmin):
    list_display = ["title", "theme", "status", "area", "owner", "created_at"]
    list_filter = ["status", "theme", "area"]
    search_fields = ["title", "description"]
    readonly_fields = ["status", "created_at", "updated_at"]
    inlines = [ChallengeConcernInline]
    actions = [
        _move_action(Challenge, Challenge.Status.OPEN, _("Open selected challenges")),
        _move_action(Challenge, Challenge.Status.PRIORITISED, _("Prioritise selected challenges")),
    ]


@admin.register(ChallengeConcern)
class ChallengeConcernAdmin(admin.ModelAdmin):
    list_display = ["challenge", "concern", "linked_by", "linked_at"]
    list_filter = ["challenge"]
    raw_id_fields = ["concern", "linked_by"]


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = ["challenge", "source", "name", "value", "computed_at"]
    list_filter = ["source", "name"]
    search_fields = ["challenge__title", "name"]


@admin.register(WorkflowEvent)
class WorkflowEventAdmin(admin.ModelAdmin):
    """Read-only: the audit trail is append-only."""

    list_display = ["at", "content_type", "object_id", "from_state", "to_state", "actor"]
    list_filter = ["content_type", "to_state"]
    search_fields = ["note", "actor__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["recipient", "message", "created_at", "emailed_at", "read_at"]
    list_filter = ["emailed_at", "read_at"]
    search_fields = ["recipient__username", "message"]
    raw_id_fields = ["recipient", "event"]

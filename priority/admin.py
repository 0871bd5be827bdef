"""The Django admin of priority: read-only, the services write (every change is audited)."""

from django.contrib import admin

from civic.admin_lookups import DeclaredLookupsOnly, ReadOnlyAdmin
from priority.models import CouncilThemesVersion, Override, Score, Snapshot, WeightsVersion


@admin.register(WeightsVersion)
class WeightsVersionAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["number", "created_by", "created_at", "note"]
    list_select_related = ["created_by"]


@admin.register(CouncilThemesVersion)
class CouncilThemesVersionAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["number", "created_by", "created_at", "note"]
    list_select_related = ["created_by"]


@admin.register(Override)
class OverrideAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["challenge", "position", "reason", "created_by", "created_at"]
    list_select_related = ["challenge", "created_by"]
    search_fields = ["challenge__title", "reason"]


@admin.register(Score)
class ScoreAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["challenge", "period", "value", "equal_value", "criteria_present", "weights"]
    list_select_related = ["challenge", "period", "weights"]


@admin.register(Snapshot)
class SnapshotAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    list_display = ["challenge", "created_at", "value", "rank", "ranked_count", "weights"]
    list_select_related = ["challenge", "weights"]

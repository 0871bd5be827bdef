"""Admin of interventions: read by staff; every change goes through the pages, API and workflow."""

from django.contrib import admin

from civic.admin_lookups import DeclaredLookupsOnly, ReadOnlyAdmin
from interventions.models import (
    Comment,
    CommentReport,
    Decision,
    FollowUp,
    ImpactEvaluation,
    Intervention,
    Milestone,
    Support,
)


@admin.register(Intervention)
class InterventionAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Proposals move only through the workflow (role and object rules), so none is edited here."""

    list_display = ["title", "challenge", "kind", "status", "proposer_role", "consultation_end"]
    list_filter = ["status", "kind", "proposer_role"]
    search_fields = ["title", "challenge__title"]
    list_select_related = ["challenge"]
    date_hierarchy = "created_at"


@admin.register(Comment)
class CommentAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Comments are moderated on the moderation page, through the comment workflow."""

    list_display = ["__str__", "intervention", "status", "is_official", "created_at"]
    list_filter = ["status", "is_official"]
    search_fields = ["text", "intervention__title"]
    list_select_related = ["intervention"]


@admin.register(CommentReport)
class CommentReportAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: residents' reports as they were made."""

    list_display = ["comment", "reason", "created_at"]
    list_filter = ["reason"]
    list_select_related = ["comment"]


@admin.register(Support)
class SupportAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: residents give and take back supports themselves."""

    list_display = ["intervention", "created_at"]
    list_select_related = ["intervention"]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only and append-only: council members record decisions on the decision page."""

    list_display = [
        "intervention",
        "outcome",
        "decided_on",
        "meeting_reference",
        "votes_for",
        "votes_against",
        "votes_abstaining",
    ]
    list_filter = ["outcome"]
    search_fields = ["intervention__title", "meeting_reference"]
    list_select_related = ["intervention"]


@admin.register(Milestone)
class MilestoneAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: officers add milestones on the intervention's page or through the API."""

    list_display = ["title", "intervention", "date", "created_at"]
    search_fields = ["title", "intervention__title"]
    list_select_related = ["intervention"]
    date_hierarchy = "date"


@admin.register(ImpactEvaluation)
class ImpactEvaluationAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: every run is written by the evaluation job and kept as it was."""

    list_display = ["intervention", "verdict", "effect", "low", "high", "computed_at"]
    list_filter = ["verdict"]
    search_fields = ["intervention__title"]
    list_select_related = ["intervention"]


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnlyAdmin, DeclaredLookupsOnly, admin.ModelAdmin):
    """Read-only: the job asks, residents answer. Who answered what is not shown here either.

    Officers read the answers and comments, not the name behind them (nor the token's digest).
    """

    fields = ["intervention", "status", "sent_at", "answered_at", "answer", "comment"]
    list_display = ["intervention", "status", "answer", "sent_at", "answered_at"]
    list_filter = ["status", "answer"]
    search_fields = ["intervention__title"]
    list_select_related = ["intervention"]
    date_hierarchy = "sent_at"

"""Admin of surveys: building (while nobody answered), codes and answers read-only.

The status is never edited here: the "move" actions go through the
workflow. Codes come only from the service (surveys.services.invitations_generate).
Council members read surveys and their questions; codes, responses and answers
(who answered, free text, exact map points) are for officers and administrators.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from civic import workflow
from civic.admin import move_action
from civic.admin_lookups import DeclaredLookupsOnly
from civic.roles import is_staff_member
from surveys.models import Answer, Invitation, Option, Question, Response, Survey
from surveys.services import QuestionSpec, question_problems
from surveys.workflow import SURVEY_WORKFLOW  # noqa: F401  (the table is registered)

FROZEN = _("This survey has responses; copy it to change its questions.")


def _has_responses(survey: Survey | None) -> bool:
    return survey is not None and survey.pk is not None and survey.responses.exists()


class QuestionAdminForm(forms.ModelForm):
    """The kind-specific rules of surveys.services, for edits by hand."""

    class Meta:
        model = Question
        fields = [
            "survey",
            "position",
            "kind",
            "text_nl",
            "text_en",
            "help_nl",
            "help_en",
            "required",
            "min_value",
            "max_value",
            "theme",
        ]

    def clean(self):
        cleaned = super().clean()
        survey = cleaned.get("survey") or getattr(self.instance, "survey", None)
        if survey is not None and _has_responses(survey):
            raise ValidationError(FROZEN)
        # The builder's own rules (options are checked on their own page here).
        spec = QuestionSpec(
            kind=cleaned.get("kind") or "",
            text_nl=cleaned.get("text_nl") or "",
            min_value=cleaned.get("min_value"),
            max_value=cleaned.get("max_value"),
            theme=cleaned.get("theme"),
        )
        for field, messages_ in question_problems(spec).items():
            if field != "options":
                for message in messages_:
                    self.add_error(field, message)
        return cleaned


class QuestionInline(admin.TabularInline):
    """Questions in order; read-only once the survey has responses."""

    model = Question
    form = QuestionAdminForm
    extra = 0
    fields = [
        "position",
        "kind",
        "text_nl",
        "text_en",
        "required",
        "min_value",
        "max_value",
        "theme",
    ]
    show_change_link = True
    ordering = ["position"]

    def has_add_permission(self, request, obj=None):
        return not _has_responses(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not _has_responses(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _has_responses(obj) and super().has_delete_permission(request, obj)


class SurveyAdminForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title_nl", "title_en", "intro_nl", "intro_en", "area", "opens_at", "closes_at"]

    def clean(self):
        cleaned = super().clean()
        opens, closes = cleaned.get("opens_at"), cleaned.get("closes_at")
        if opens and closes and closes <= opens:
            self.add_error("closes_at", _("Close the survey after it opens."))
        return cleaned


@admin.register(Survey)
class SurveyAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    form = SurveyAdminForm
    list_display = [
        "title_nl",
        "status",
        "area",
        "opens_at",
        "closes_at",
        "question_count",
        "response_count",
    ]
    list_filter = ["status", ("area", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title_nl", "title_en"]
    readonly_fields = [
        "status",
        "question_count",
        "response_count",
        "copied_from",
        "created_by",
        "created_at",
        "updated_at",
    ]
    inlines = [QuestionInline]
    actions = [
        move_action(Survey.Status.OPEN, _("Open selected surveys")),
        move_action(Survey.Status.CLOSED, _("Close selected surveys")),
        move_action(Survey.Status.ARCHIVED, _("Archive selected surveys")),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("area")
            .annotate(
                _questions=Count("questions", distinct=True),
                _responses=Count("responses", distinct=True),
            )
        )

    @admin.display(description=_("questions"), ordering="_questions")
    def question_count(self, obj) -> int:
        return obj._questions if hasattr(obj, "_questions") else obj.questions.count()

    @admin.display(description=_("responses"), ordering="_responses")
    def response_count(self, obj) -> int:
        return obj._responses if hasattr(obj, "_responses") else obj.responses.count()

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # Map answers were checked against the area.
        return [*fields, "area"] if _has_responses(obj) else fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            workflow.record_creation(obj, actor=request.user)


class OptionInline(admin.TabularInline):
    model = Option
    extra = 0
    fields = ["position", "label_nl", "label_en", "theme"]
    ordering = ["position"]

    def _frozen(self, question) -> bool:
        return question is not None and _has_responses(question.survey)

    def has_add_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._frozen(obj) and super().has_delete_permission(request, obj)


@admin.register(Question)
class QuestionAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    form = QuestionAdminForm
    list_display = ["survey", "position", "kind", "text_nl", "required", "theme"]
    list_filter = ["kind", ("survey", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["text_nl", "text_en", "survey__title_nl"]
    list_select_related = ["survey", "theme"]
    inlines = [OptionInline]

    def get_readonly_fields(self, request, obj=None):
        # A question does not move to another survey.
        return ["survey"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        frozen = obj is not None and _has_responses(obj.survey)
        return not frozen and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        frozen = obj is not None and _has_responses(obj.survey)
        return not frozen and super().has_delete_permission(request, obj)


class OptionAdminForm(forms.ModelForm):
    """An option added by hand may not change a question that was answered already."""

    class Meta:
        model = Option
        fields = ["question", "position", "label_nl", "label_en", "theme"]

    def clean(self):
        cleaned = super().clean()
        question = cleaned.get("question") or getattr(self.instance, "question", None)
        if question is not None and _has_responses(question.survey):
            raise ValidationError(FROZEN)
        return cleaned


@admin.register(Option)
class OptionAdmin(DeclaredLookupsOnly, admin.ModelAdmin):
    form = OptionAdminForm
    list_display = ["question", "position", "label_nl", "label_en", "theme"]
    list_filter = [("question__survey", admin.RelatedOnlyFieldListFilter), "theme"]
    search_fields = ["label_nl", "label_en"]
    list_select_related = ["question", "theme"]

    def get_readonly_fields(self, request, obj=None):
        return ["question"] if obj is not None else []

    def has_change_permission(self, request, obj=None):
        frozen = obj is not None and _has_responses(obj.question.survey)
        return not frozen and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        frozen = obj is not None and _has_responses(obj.question.survey)
        return not frozen and super().has_delete_permission(request, obj)


class UsedFilter(admin.SimpleListFilter):
    title = _("used")
    parameter_name = "used"

    def lookups(self, request, model_admin):
        return [("yes", _("Yes")), ("no", _("No"))]

    def queryset(self, request, queryset):
        if self.value() in ("yes", "no"):
            return queryset.filter(used_at__isnull=self.value() == "no")
        return queryset


class OfficersOnly:
    """Personal data of residents: officers and administrators only, whatever permissions say.

    Council members get no permission on these models (civic.roles); this keeps
    them out even if one is given by hand, as the admin of answers and codes
    has no view without names, exact map points or free text.
    """

    def has_module_permission(self, request):
        return is_staff_member(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return is_staff_member(request.user) and super().has_view_permission(request, obj)


@admin.register(Invitation)
class InvitationAdmin(OfficersOnly, DeclaredLookupsOnly, admin.ModelAdmin):
    """View only: codes are made in batches by the service (the officers' invitations page)."""

    list_display = ["code", "survey", "area", "batch", "used_at", "created_at"]
    list_filter = [("survey", admin.RelatedOnlyFieldListFilter), "batch", UsedFilter]
    search_fields = ["code", "batch"]
    list_select_related = ["survey", "area"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    can_delete = False
    fields = ["question", "text", "number", "options", "point", "polygon", "concern"]
    readonly_fields = fields
    ordering = ["question__position"]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Response)
class ResponseAdmin(OfficersOnly, DeclaredLookupsOnly, admin.ModelAdmin):
    """View only: who answered what, where (officers and administrators)."""

    list_display = [
        "id",
        "survey",
        "respondent",
        "area",
        "consent_publish",
        "submitted_at",
        "updated_at",
    ]
    list_filter = [
        ("survey", admin.RelatedOnlyFieldListFilter),
        ("area", admin.RelatedOnlyFieldListFilter),
        "consent_publish",
    ]
    search_fields = ["respondent__username", "respondent__email", "invitation__code"]
    list_select_related = ["survey", "respondent", "area"]
    date_hierarchy = "submitted_at"
    inlines = [AnswerInline]
    fields = [
        "survey",
        "respondent",
        "invitation",
        "area",
        "consent_publish",
        "client_hash",
        "submitted_at",
        "updated_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Answer)
class AnswerAdmin(OfficersOnly, DeclaredLookupsOnly, admin.ModelAdmin):
    """View only: answers change only through the resident's own response."""

    list_display = ["response", "question", "text", "number", "options"]
    list_filter = [("question__survey", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["response", "question"]
    fields = ["response", "question", "text", "number", "options", "point", "polygon", "concern"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

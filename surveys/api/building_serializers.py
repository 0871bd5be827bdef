"""Serializers of the survey-building API: output and input kept apart."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civic.api.serializers import StrictInputSerializer
from civic.models import Area, Theme
from civic.roles import COUNCIL, is_staff_member, user_has_role
from surveys.models import Option, Question, Survey
from surveys.services import OptionSpec, QuestionSpec
from surveys.workflow import SURVEY_WORKFLOW

# ---------------------------------------------------------------- output


class OptionSerializer(serializers.ModelSerializer):
    label = serializers.CharField(read_only=True)
    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta:
        model = Option
        fields = ["id", "label", "label_nl", "label_en", "theme"]


class QuestionSerializer(serializers.ModelSerializer):
    text = serializers.CharField(read_only=True)
    help = serializers.CharField(read_only=True)
    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    options = OptionSerializer(many=True, read_only=True)

    class Meta:
        model = Question
        fields = [
            "id",
            "position",
            "kind",
            "text",
            "text_nl",
            "text_en",
            "help",
            "help_nl",
            "help_en",
            "required",
            "min_value",
            "max_value",
            "theme",
            "options",
        ]


def sees_response_counts(user) -> bool:
    """Officers, administrators and council members see how many answered."""
    return is_staff_member(user) or user_has_role(user, COUNCIL)


class SurveySerializer(serializers.ModelSerializer):
    """A survey with its questions in order; counts only for officers and the council."""

    title = serializers.CharField(read_only=True)
    intro = serializers.CharField(read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    response_count = serializers.SerializerMethodField(
        help_text="Responses so far; null unless you are an officer or council member."
    )
    allowed_transitions = serializers.SerializerMethodField()
    questions = QuestionSerializer(many=True, read_only=True)

    class Meta:
        model = Survey
        fields = [
            "id",
            "status",
            "title",
            "title_nl",
            "title_en",
            "intro",
            "intro_nl",
            "intro_en",
            "area",
            "opens_at",
            "closes_at",
            "copied_from",
            "response_count",
            "allowed_transitions",
            "questions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_response_count(self, obj) -> int | None:
        if not sees_response_counts(self.context["request"].user):
            return None
        # Annotated by the view's queryset; counted here for a survey made just now.
        count = getattr(obj, "response_count", None)
        return obj.responses.count() if count is None else count

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj) -> list[str]:
        user = self.context["request"].user
        return [t.target for t in SURVEY_WORKFLOW.available_to(obj, user)]


# ---------------------------------------------------------------- input


class AreaCodeField(serializers.SlugRelatedField):
    """An area by its official code; a NUL character is refused before the lookup.

    PostgreSQL cannot compare text with NUL in it: the lookup would be a 500.
    """

    def to_internal_value(self, data):
        if isinstance(data, str):
            ProhibitNullCharactersValidator()(data)
        return super().to_internal_value(data)


class SurveyInputSerializer(StrictInputSerializer):
    """Texts, area and dates of a survey (create: title_nl and area required)."""

    title_nl = serializers.CharField(max_length=200, allow_blank=True)
    title_en = serializers.CharField(max_length=200, allow_blank=True, required=False)
    intro_nl = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    intro_en = serializers.CharField(allow_blank=True, required=False, max_length=20000)
    area = AreaCodeField(
        slug_field="code", queryset=Area.objects.all(), help_text="Official area code"
    )
    opens_at = serializers.DateTimeField(allow_null=True, required=False)
    closes_at = serializers.DateTimeField(allow_null=True, required=False)


class OptionInputSerializer(StrictInputSerializer):
    label_nl = serializers.CharField(allow_blank=True, max_length=200)
    label_en = serializers.CharField(allow_blank=True, required=False, default="", max_length=200)
    theme = serializers.CharField(
        allow_null=True, allow_blank=True, required=False, default=None, help_text="Theme slug"
    )


class QuestionInputSerializer(StrictInputSerializer):
    """One question of the list that replaces a survey's questions."""

    kind = serializers.ChoiceField(choices=Question.Kind.choices)
    text_nl = serializers.CharField(allow_blank=True, max_length=500)
    text_en = serializers.CharField(allow_blank=True, required=False, default="", max_length=500)
    help_nl = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    help_en = serializers.CharField(allow_blank=True, required=False, default="", max_length=5000)
    required = serializers.BooleanField(required=False, default=False)
    min_value = serializers.FloatField(allow_null=True, required=False, default=None)
    max_value = serializers.FloatField(allow_null=True, required=False, default=None)
    theme = serializers.CharField(
        allow_null=True,
        allow_blank=True,
        required=False,
        default=None,
        help_text="Theme slug (map-point questions: the theme of the concern an answer becomes)",
    )
    options = OptionInputSerializer(many=True, required=False, default=list)


def _flatten(errors, prefix: str) -> list[str]:
    """DRF's nested errors as "#index field: message" lines."""
    lines: list[str] = []
    if isinstance(errors, dict):
        for name, nested in errors.items():
            if name == "non_field_errors":
                lines += _flatten(nested, prefix)
            elif isinstance(name, int):  # a list's item (DRF keys them by index)
                lines += _flatten(nested, f"{prefix}.{name}")
            else:
                lines += _flatten(nested, f"{prefix} {name}")
    elif isinstance(errors, list):
        if errors and all(isinstance(e, str) for e in errors):
            lines += [f"{prefix}: {message}" for message in errors]
        else:
            for index, nested in enumerate(errors):
                if nested:
                    lines += _flatten(nested, f"{prefix}.{index}")
    else:
        lines.append(f"{prefix}: {errors}")
    return lines


def question_specs_from(data) -> list[QuestionSpec]:
    """The request body (a list of questions, or {"questions": [...]}) as QuestionSpecs.

    Raises ValidationError({"questions": ["#index field: message", ...]}), in
    the same form as surveys.services.questions_replace.
    """
    if isinstance(data, dict) and set(data) == {"questions"}:
        data = data["questions"]
    if not isinstance(data, list):
        raise DjangoValidationError({"questions": [_("Send a list of questions.")]})
    themes = {theme.slug: theme for theme in Theme.objects.all()}
    problems: list[str] = []
    specs: list[QuestionSpec] = []

    def theme_of(slug, where: str) -> Theme | None:
        if not slug:
            return None
        if slug not in themes:
            problems.append(f"{where}: " + _("No theme “%(slug)s”.") % {"slug": slug})
        return themes.get(slug)

    for index, item in enumerate(data):
        if not isinstance(item, dict):
            problems.append(f"#{index}: " + _("Send each question as an object."))
            continue
        serializer = QuestionInputSerializer(data=item)
        if not serializer.is_valid():
            problems += _flatten(serializer.errors, f"#{index}")
            continue
        values = dict(serializer.validated_data)
        options = tuple(
            OptionSpec(
                label_nl=option["label_nl"],
                label_en=option["label_en"],
                theme=theme_of(option["theme"], f"#{index} options.{number} theme"),
            )
            for number, option in enumerate(values.pop("options"))
        )
        values["theme"] = theme_of(values["theme"], f"#{index} theme")
        specs.append(QuestionSpec(**values, options=options))
    if problems:
        raise DjangoValidationError({"questions": problems})
    return specs


class InvitationsInputSerializer(StrictInputSerializer):
    count = serializers.IntegerField(help_text="How many codes (one per letter)")
    neighbourhood = AreaCodeField(
        slug_field="code",
        queryset=Area.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="Code of the neighbourhood the letters go to",
    )
    batch = serializers.CharField(
        max_length=100, allow_blank=True, required=False, default="", help_text="e.g. letter 1"
    )


class InvitationsBatchSerializer(serializers.Serializer):
    """The codes just made, to print in letters."""

    survey = serializers.IntegerField()
    neighbourhood = serializers.CharField(allow_null=True)
    batch = serializers.CharField()
    count = serializers.IntegerField()
    codes = serializers.ListField(child=serializers.CharField())

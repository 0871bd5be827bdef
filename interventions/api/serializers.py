"""Serializers of the interventions API: input and output kept apart."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from civic.api.fields import TextField
from civic.api.serializers import GeoJSONInputField, StrictInputSerializer, WorkflowEventSerializer
from civic.models import Challenge
from civic.workflow import workflow_for
from interventions.evaluation import evaluation_sentence
from interventions.models import (
    Comment,
    CommentReport,
    Decision,
    ImpactEvaluation,
    Intervention,
    Milestone,
)
from interventions.selectors import comment_text_visible, consultation_is_open
from interventions.services import PUBLIC_CHALLENGE

MAX_INT = 2_147_483_647


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": MAX_INT})
class CountField(serializers.IntegerField):
    """A whole number ≥ 0 sent as a JSON number (DRF would also read "5" and 5.0)."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(
    {
        "type": "number",
        "minimum": 0,
        "maximum": 9_999_999_999.99,
        "nullable": True,
        "description": "Euros, at most two decimals.",
    }
)
class AmountField(serializers.Field):
    """An amount in euros as a JSON number ≥ 0 with at most two decimals, or null."""

    default_error_messages = {
        "invalid": _("Give an amount in euros (a number, at most two decimals)."),
        "negative": _("The amount cannot be negative."),
    }

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int | float):
            self.fail("invalid")
        try:
            value = Decimal(str(data))
        except InvalidOperation:
            self.fail("invalid")
        if not value.is_finite() or value != value.quantize(Decimal("0.01")):
            self.fail("invalid")
        if value < 0:
            self.fail("negative")
        if value > Decimal("9999999999.99"):
            self.fail("invalid")
        return value

    def to_representation(self, value):
        return float(value)


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "A GeoJSON Point, Polygon or MultiPolygon in WGS84, or null",
    }
)
class SiteInputField(GeoJSONInputField):
    """The site as GeoJSON: a point or an area."""

    default_error_messages = {
        **GeoJSONInputField.default_error_messages,
        "kind": _("The site is a point or an area (polygon)."),
    }

    def to_internal_value(self, value):
        geometry = super().to_internal_value(value)
        if geometry.geom_type not in ("Point", "Polygon", "MultiPolygon") or geometry.empty:
            self.fail("kind")
        return geometry


class InterventionSerializer(GeoFeatureModelSerializer):
    """A proposal as a GeoJSON feature (its site); never who proposed it, only by which role."""

    challenge_title = serializers.CharField(source="challenge.title", read_only=True)
    cost_estimate = serializers.DecimalField(
        max_digits=12, decimal_places=2, coerce_to_string=False, read_only=True, allow_null=True
    )
    support_count = serializers.IntegerField(read_only=True)
    consultation_open = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Intervention
        geo_field = "site"
        fields = [
            "id",
            "challenge",
            "challenge_title",
            "kind",
            "title",
            "description",
            "cost_estimate",
            "expected_effect",
            "proposer_role",
            "status",
            "consultation_end",
            "consultation_open",
            "support_count",
            "planned_start",
            "planned_end",
            "actual_start",
            "actual_end",
            "progress",
            "is_mine",
            "allowed_transitions",
            "url",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_consultation_open(self, obj) -> bool:
        return consultation_is_open(obj)

    def get_is_mine(self, obj) -> bool:
        user = self.context["request"].user
        return user.is_authenticated and obj.proposer_id == user.pk

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj) -> list[str]:
        user = self.context["request"].user
        return [t.target for t in workflow_for(Intervention).available_to(obj, user)]

    def get_url(self, obj) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("interventions:detail", args=[obj.pk])
        )


class InterventionDetailSerializer(InterventionSerializer):
    history = serializers.SerializerMethodField(
        help_text=(
            "States, dates and notes; never who. Notes of officers' working steps only for "
            "officers and the resident who proposed it."
        )
    )

    class Meta(InterventionSerializer.Meta):
        fields = [*InterventionSerializer.Meta.fields, "history"]
        read_only_fields = fields

    @extend_schema_field(WorkflowEventSerializer(many=True))
    def get_history(self, obj) -> list[dict]:
        from interventions.selectors import public_history

        user = self.context["request"].user
        return WorkflowEventSerializer(public_history(obj, user=user), many=True).data


class InterventionInputSerializer(StrictInputSerializer):
    """What a resident or officer sends to propose (POST) or edit (PATCH) an intervention."""

    challenge = serializers.PrimaryKeyRelatedField(
        queryset=Challenge.objects.filter(status__in=PUBLIC_CHALLENGE),
        help_text="An open or prioritised challenge.",
    )
    kind = serializers.ChoiceField(choices=Intervention.Kind.choices)
    title = TextField(max_length=200)
    description = TextField(max_length=20000)
    site = SiteInputField(required=False, allow_null=True)
    cost_estimate = AmountField(required=False, allow_null=True)
    expected_effect = TextField(required=False, allow_blank=True, max_length=5000)

    def settable_fields(self) -> set[str]:
        # The challenge is chosen once, when proposing.
        return set(self.fields) - ({"challenge"} if self.partial else set())


class CommentSerializer(serializers.ModelSerializer):
    """A comment; a hidden or removed one's text only for its author and officers (else null)."""

    text = serializers.SerializerMethodField()
    is_mine = serializers.SerializerMethodField()

    class Meta:
        model = Comment
        fields = [
            "id",
            "intervention",
            "text",
            "is_official",
            "reply_to",
            "status",
            "is_mine",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="Null for a hidden or removed comment, except for its author and officers.",
        )
    )
    def get_text(self, obj) -> str | None:
        if comment_text_visible(obj, self.context["request"].user):
            return obj.text
        return None

    def get_is_mine(self, obj) -> bool:
        user = self.context["request"].user
        return user.is_authenticated and obj.author_id == user.pk


class CommentInputSerializer(StrictInputSerializer):
    text = TextField(max_length=5000)
    reply_to = CountField(
        required=False,
        allow_null=True,
        help_text="Officers: the id of the comment this official answer answers.",
    )


class ReportInputSerializer(StrictInputSerializer):
    reason = serializers.ChoiceField(choices=CommentReport.Reason.choices)


class ReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = CommentReport
        fields = ["id", "comment", "reason", "created_at"]
        read_only_fields = fields


class SupportSerializer(serializers.Serializer):
    """Whether the caller supports the proposal now, and how many residents do."""

    supported = serializers.BooleanField()
    support_count = serializers.IntegerField()


class DecisionSerializer(serializers.ModelSerializer):
    class Meta:
        model = Decision
        fields = [
            "id",
            "intervention",
            "outcome",
            "decided_on",
            "motivation",
            "meeting_reference",
            "votes_for",
            "votes_against",
            "votes_abstaining",
            "recorded_at",
        ]
        read_only_fields = fields


class DecisionInputSerializer(StrictInputSerializer):
    outcome = serializers.ChoiceField(choices=Decision.Outcome.choices)
    decided_on = serializers.DateField()
    motivation = TextField(max_length=20000)
    meeting_reference = TextField(max_length=200)
    votes_for = CountField(min_value=0, max_value=MAX_INT)
    votes_against = CountField(min_value=0, max_value=MAX_INT)
    votes_abstaining = CountField(min_value=0, max_value=MAX_INT)


@extend_schema_field({"type": "integer", "minimum": 0, "maximum": 100})
class ProgressField(CountField):
    """A whole percentage from 0 to 100 as a JSON number."""


class ImplementationInputSerializer(StrictInputSerializer):
    """Officers: progress and planned dates; the actual start once the works began."""

    progress = ProgressField(required=False, min_value=0, max_value=100)
    planned_start = serializers.DateField(required=False, allow_null=True)
    planned_end = serializers.DateField(required=False, allow_null=True)
    actual_start = serializers.DateField(
        required=False,
        help_text=(
            "Set when the works go in progress; correct it while they are or once they are "
            "completed (then only the start, never after their end)."
        ),
    )


class MilestoneSerializer(serializers.ModelSerializer):
    """A milestone of the works, as public as the intervention; never who wrote it."""

    photo_url = serializers.SerializerMethodField()

    class Meta:
        model = Milestone
        fields = ["id", "intervention", "date", "title", "description", "photo_url", "created_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_photo_url(self, obj) -> str | None:
        if not obj.photo:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("interventions:milestone_photo", args=[obj.pk])
        )


class MilestoneInputSerializer(StrictInputSerializer):
    date = serializers.DateField()
    title = TextField(max_length=200)
    description = TextField(required=False, allow_blank=True, max_length=5000)
    photo = serializers.FileField(
        required=False, allow_empty_file=False, help_text="JPEG, PNG or WebP; EXIF is removed."
    )


class ProgressFileSerializer(serializers.Serializer):
    """A CSV file of progress updates (see interventions.services.progress_csv_apply)."""

    file = serializers.FileField(
        allow_empty_file=False,
        help_text="CSV with a header line: id (required), progress (0-100), step "
        "(in_progress, completed, cancelled), planned_start, planned_end, actual_start "
        "(YYYY-MM-DD), note (required to cancel; a cancellation's reason is public). At most 1 MB.",
    )


class ProgressFileResultSerializer(serializers.Serializer):
    updated = serializers.IntegerField(help_text="How many interventions the file updated.")


class EvaluationCountsSerializer(serializers.Serializer):
    """How much data a run rests on."""

    impact_sensors = serializers.IntegerField()
    control_sensors = serializers.IntegerField()
    nights_before = serializers.IntegerField()
    nights_after = serializers.IntegerField()


class PlaceboSerializer(serializers.Serializer):
    """The same estimate at a fake date inside the before window: its interval should hold 0."""

    night = serializers.DateField()
    effect = serializers.FloatField()
    low = serializers.FloatField()
    high = serializers.FloatField()


class ShortfallSerializer(serializers.Serializer):
    """One minimum that is not met yet."""

    what = serializers.ChoiceField(
        choices=["impact_sensors", "control_sensors", "nights_before", "nights_after"]
    )
    have = serializers.IntegerField()
    need = serializers.IntegerField()


class MatchSummarySerializer(serializers.Serializer):
    """Impact mean against a control mean over the before window's valid nights."""

    nights = serializers.IntegerField()
    correlation = serializers.FloatField(allow_null=True)
    mean_gap = serializers.FloatField(allow_null=True, help_text="Impact minus control, mean.")
    sd_gap = serializers.FloatField(allow_null=True, help_text="Night-to-night spread of the gap.")
    trend_gap = serializers.FloatField(
        allow_null=True, help_text="How the gap moved, per 30 nights (0 when parallel)."
    )


class MatchCandidateSerializer(serializers.Serializer):
    """One candidate control by rank (no sensor key: which sensor is a control stays private)."""

    rank = serializers.IntegerField()
    chosen = serializers.BooleanField()
    nights = serializers.IntegerField()
    sd_difference = serializers.FloatField(allow_null=True)
    correlation = serializers.FloatField(allow_null=True)
    mean_difference = serializers.FloatField(allow_null=True)


class MatchRuleSerializer(serializers.Serializer):
    max_controls = serializers.IntegerField()
    max_sd_ratio = serializers.FloatField()


class MatchSerializer(serializers.Serializer):
    """How the controls were chosen on their before-window behaviour (empty when unknown)."""

    rule = MatchRuleSerializer(required=False)
    candidates = serializers.IntegerField(required=False)
    chosen = serializers.IntegerField(required=False)
    all = MatchSummarySerializer(required=False, help_text="Every candidate control.")
    matched = MatchSummarySerializer(required=False, help_text="The chosen controls.")
    controls = MatchCandidateSerializer(many=True, required=False)


class ChartWeekSerializer(serializers.Serializer):
    """One week of valid nights on one side of the works."""

    side = serializers.ChoiceField(choices=["before", "after"])
    first = serializers.DateField()
    last = serializers.DateField()
    nights = serializers.IntegerField()
    impact = serializers.FloatField()
    control = serializers.FloatField()


class ImpactEvaluationSerializer(serializers.ModelSerializer):
    """One evaluation run of one figure, with its sentence in the request's language."""

    sentence = serializers.SerializerMethodField()
    counts = EvaluationCountsSerializer()
    placebo = PlaceboSerializer(allow_null=True)
    missing = ShortfallSerializer(many=True)
    match = MatchSerializer()
    chart = ChartWeekSerializer(many=True)

    class Meta:
        model = ImpactEvaluation
        fields = [
            "id",
            "figure",
            "verdict",
            "sentence",
            "effect",
            "low",
            "high",
            "method",
            "counts",
            "before_first",
            "before_last",
            "after_first",
            "after_last",
            "placebo",
            "loo_min",
            "loo_max",
            "match",
            "missing",
            "chart",
            "computed_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "figure": {"help_text": "night_anomaly, t_max, soil_moisture or wet_feet_hours."}
        }

    def get_sentence(self, obj) -> str:
        return evaluation_sentence(obj)

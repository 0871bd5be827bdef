"""Serializers of the priority API: input and output kept apart."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from civic.api.fields import TextField
from civic.api.periods import PeriodSerializer
from civic.api.serializers import SlugRelatedField, StrictInputSerializer
from civic.models import Challenge, Theme
from priority.criteria import KEYS
from priority.services import NOTE_MAX, REASON_MAX, WEIGHT_MAX

CRITERION_CHOICES = [(key, key) for key in KEYS]


class BreakdownLineSerializer(serializers.Serializer):
    """One criterion of a score: raw value, normalised value, weight and contribution."""

    criterion = serializers.ChoiceField(choices=CRITERION_CHOICES)
    label = serializers.CharField()
    raw = serializers.FloatField(allow_null=True, help_text="In the unit of `raw_text`.")
    raw_text = serializers.CharField(help_text='The raw value in words, e.g. "1.2 °C".')
    normalised = serializers.FloatField(
        allow_null=True, help_text="0-1 across the ranked challenges, 1 = worst; null: missing."
    )
    weight = serializers.FloatField()
    contribution = serializers.FloatField(
        allow_null=True, help_text="Points of the 0-100 score; null: missing."
    )
    period = serializers.CharField(
        allow_null=True, help_text="The key of the period the figures describe; null: now."
    )
    missing = serializers.BooleanField(
        help_text="No data: the criterion is left out of the score (never counted as 0)."
    )


class OverrideInForceSerializer(serializers.Serializer):
    """An officer's override of the challenge's place, with the reason."""

    position = serializers.IntegerField()
    reason = serializers.CharField()
    created_at = serializers.DateTimeField()


class RankedScoreSerializer(serializers.Serializer):
    """A challenge in the ranking: its score, the score under equal weights, its breakdown."""

    rank = serializers.IntegerField()
    challenge = serializers.IntegerField()
    title = serializers.CharField()
    theme = serializers.CharField(help_text="The theme's slug.")
    status = serializers.ChoiceField(choices=Challenge.Status.choices)
    score = serializers.FloatField(
        allow_null=True, help_text="0-100; null when no weighted criterion has data."
    )
    equal_weights_score = serializers.FloatField(allow_null=True)
    criteria_present = serializers.IntegerField()
    criteria_total = serializers.IntegerField()
    weights_version = serializers.IntegerField(
        allow_null=True, help_text="null: no version was set, every weight is 1."
    )
    override = OverrideInForceSerializer(allow_null=True)
    computed_at = serializers.DateTimeField()
    breakdown = BreakdownLineSerializer(many=True)


class ScoresSerializer(serializers.Serializer):
    """The ranking for one period."""

    period = PeriodSerializer(allow_null=True)
    results = RankedScoreSerializer(many=True)


@extend_schema_field(
    {
        "type": "object",
        "description": "A weight (0 to 1000) for every criterion; not all zero.",
        "properties": {
            key: {"type": "number", "minimum": 0, "maximum": WEIGHT_MAX} for key in KEYS
        },
        "required": KEYS,
        "additionalProperties": False,
    }
)
class WeightsField(serializers.Field):
    """The weights as sent; priority.services.weights_clean checks them, naming weights.<key>."""

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


class WeightsVersionSerializer(serializers.Serializer):
    """A weights version; the newest is in force."""

    number = serializers.IntegerField()
    weights = serializers.DictField(child=serializers.FloatField())
    note = serializers.CharField()
    set_by = serializers.CharField(help_text="The role of who set it, not their name.")
    created_at = serializers.DateTimeField()
    in_force = serializers.BooleanField()


class WeightsInputSerializer(StrictInputSerializer):
    """A new weights version."""

    weights = WeightsField()
    note = TextField(required=False, allow_blank=True, max_length=NOTE_MAX)


class OverrideSerializer(serializers.Serializer):
    """An entry of the override history (a withdrawal has no position)."""

    id = serializers.IntegerField()
    challenge = serializers.IntegerField(source="challenge_id")
    position = serializers.IntegerField(allow_null=True)
    withdrawn = serializers.BooleanField()
    reason = serializers.CharField()
    set_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    in_force = serializers.BooleanField()


class OverrideInputSerializer(StrictInputSerializer):
    """Pin a challenge at a place in the ranking (`set`) or end that (`withdraw`), with a reason."""

    challenge = serializers.PrimaryKeyRelatedField(queryset=Challenge.objects.all())
    action = serializers.ChoiceField(
        choices=[("set", "set"), ("withdraw", "withdraw")], default="set"
    )
    position = serializers.IntegerField(
        required=False, min_value=1, max_value=100_000, help_text="Required to set; 1 = first."
    )
    reason = TextField(max_length=REASON_MAX, allow_blank=True)

    def validate(self, attrs):
        if attrs.get("action", "set") == "set" and attrs.get("position") is None:
            raise serializers.ValidationError({"position": [_("This field is required.")]})
        return attrs


class CouncilThemesSerializer(serializers.Serializer):
    """A version of the council's priority themes; the newest is in force."""

    number = serializers.IntegerField()
    themes = serializers.ListField(child=serializers.CharField(), help_text="Theme slugs.")
    note = serializers.CharField()
    set_by = serializers.CharField()
    created_at = serializers.DateTimeField()
    in_force = serializers.BooleanField()


class CouncilThemesInputSerializer(StrictInputSerializer):
    """The themes the council marked as its priorities (an empty list: none)."""

    themes = serializers.ListField(
        child=SlugRelatedField(slug_field="slug", queryset=Theme.objects.all()),
        allow_empty=True,
        max_length=100,
    )
    note = TextField(required=False, allow_blank=True, max_length=NOTE_MAX)

"""Serializers of the core API: input and output kept apart."""

from django.contrib.gis.geos import Point
from django.core.validators import ProhibitNullCharactersValidator
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from civic.api.fields import TextField
from civic.api.periods import PeriodSerializer
from civic.challenge_parts import stages_for
from civic.evidence import evidence_freshness
from civic.input_checks import RefusedJSON, UnreadableJSON, json_loads
from civic.models import Area, Challenge, Concern, Evidence, Theme, WorkflowEvent
from civic.periods import period_as_dict
from civic.roles import is_staff_member
from civic.selectors import evidence_shown, history_of
from civic.vocabulary import measure_for
from civic.workflow import workflow_for


class GeoJSONInputField(GeometryField):
    """GeoJSON geometry input as RFC 7946 defines it: WGS84, no `crs` member.

    Accepting other spatial references would let a client make GDAL resolve
    arbitrary definitions (see gis.W001), and WKT is not what the API documents.
    """

    default_error_messages = {
        "not_geojson": _("Send a GeoJSON geometry object."),
        "crs": _("GeoJSON is always WGS84 longitude/latitude; leave out “crs”."),
    }

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                value = json_loads(value)
            except RefusedJSON as error:
                raise serializers.ValidationError(str(error)) from None
            except UnreadableJSON:
                self.fail("not_geojson")
        if not isinstance(value, dict) or not isinstance(value.get("type"), str):
            self.fail("not_geojson")
        if "crs" in value:
            self.fail("crs")
        return super().to_internal_value(value)


@extend_schema_field(
    {
        "type": "object",
        "description": 'A GeoJSON Point in WGS84: {"type": "Point", "coordinates": [lon, lat]}',
    }
)
class PointInputField(GeoJSONInputField):
    """A GeoJSON point as input."""


@extend_schema_field(
    {
        "type": "object",
        "nullable": True,
        "description": "A GeoJSON Polygon or MultiPolygon in WGS84",
    }
)
class AreaInputField(GeoJSONInputField):
    """A GeoJSON (multi)polygon as input."""


class SlugRelatedField(serializers.SlugRelatedField):
    """DRF's relation by slug, refusing NUL before the lookup (PostgreSQL cannot compare it)."""

    def to_internal_value(self, data):
        if isinstance(data, str):
            ProhibitNullCharactersValidator()(data)
        return super().to_internal_value(data)


class ThemeSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True)

    class Meta:
        model = Theme
        fields = ["id", "slug", "name", "name_nl", "name_en", "colour", "is_active"]


class AreaSerializer(GeoFeatureModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Area
        geo_field = "geometry"
        fields = ["id", "kind", "code", "name", "parent", "population", "attributes"]


class WorkflowEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkflowEvent
        fields = ["from_state", "to_state", "note", "at"]


class _TransitionsMixin:
    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_transitions(self, obj) -> list[str]:
        user = self.context["request"].user
        return [t.target for t in workflow_for(type(obj)).available_to(obj, user)]


class ConcernSerializer(_TransitionsMixin, GeoFeatureModelSerializer):
    """A concern as a GeoJSON feature; the author is shown to officers only."""

    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    is_mine = serializers.SerializerMethodField()
    photo_url = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    # Added by to_representation for some readers only: optional in the schema (civic.api.schema).
    conditional_fields = {
        "author": serializers.CharField(
            allow_null=True,
            help_text="Officers only: the author's user name; null for an anonymous survey answer.",
        )
    }

    class Meta:
        model = Concern
        geo_field = "location"
        fields = [
            "id",
            "theme",
            "description",
            "area",
            "status",
            "source",
            "outcome",
            "created_at",
            "is_mine",
            "photo_url",
            "allowed_transitions",
        ]

    def get_is_mine(self, obj) -> bool:
        user = self.context["request"].user
        return user.is_authenticated and obj.author_id == user.pk

    def get_photo_url(self, obj) -> str | None:
        if not obj.photo:
            return None
        return self.context["request"].build_absolute_uri(
            reverse("civic:concern_photo", args=[obj.pk])
        )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if is_staff_member(self.context["request"].user):
            # A concern from an anonymous survey answer (invitation code) has no author.
            data["properties"]["author"] = instance.author.username if instance.author else None
        return data


class ConcernDetailSerializer(ConcernSerializer):
    history = serializers.SerializerMethodField()

    class Meta(ConcernSerializer.Meta):
        fields = [*ConcernSerializer.Meta.fields, "history"]

    @extend_schema_field(
        WorkflowEventSerializer(
            many=True, allow_null=True, help_text="The author and officers only; null for others."
        )
    )
    def get_history(self, obj):
        user = self.context["request"].user
        if not (obj.author_id == user.pk or is_staff_member(user)):
            return None
        return WorkflowEventSerializer(history_of(obj), many=True).data


class StrictInputSerializer(serializers.Serializer):
    """Input that names a field it does not take (400) instead of ignoring it silently.

    A client that sends status, author or a misspelt field must learn it was
    not applied, instead of a 2xx that dropped it.
    """

    def settable_fields(self) -> set[str]:
        return set(self.fields)

    def to_internal_value(self, data):
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - self.settable_fields())
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("This field cannot be set here.")] for name in unknown}
                )
        return super().to_internal_value(data)


class ConcernInputSerializer(StrictInputSerializer):
    """What a resident sends to file or edit a concern (JSON or multipart)."""

    theme = SlugRelatedField(slug_field="slug", queryset=Theme.objects.all(), required=True)
    description = serializers.CharField(required=True, allow_blank=False, max_length=20000)
    location = PointInputField(required=False)
    latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    photo = serializers.FileField(required=False, allow_empty_file=False)

    def settable_fields(self) -> set[str]:
        # The photo is set when filing only (PATCH is JSON).
        return set(self.fields) - ({"photo"} if self.partial else set())

    def validate(self, attrs):
        location = attrs.pop("location", None)
        lat, lon = attrs.pop("latitude", None), attrs.pop("longitude", None)
        if location is None and lat is not None and lon is not None:
            location = Point(lon, lat, srid=4326)
        if location is None:
            if self.partial:
                return attrs
            raise serializers.ValidationError(
                {"location": _("Give the location as GeoJSON or as latitude and longitude.")}
            )
        if location.geom_type != "Point":
            raise serializers.ValidationError({"location": _("The location must be a point.")})
        attrs["location"] = location
        return attrs


_TRANSITION_INPUTS: dict[tuple[type, tuple[str, ...]], type[serializers.Serializer]] = {}


def transition_input_serializer(model: type) -> type[serializers.Serializer]:
    """The input of a model's transition endpoint: `to`, `note` and what its moves set.

    The fields a move `sets` are built from the model's own fields (choices,
    length, null), so a bad value is a 400 naming the field and the schema
    documents every one. Which move may set which field is the engine's check.
    One class per model and fields, so the OpenAPI schema names it once.
    """
    workflow = workflow_for(model)
    names = tuple(sorted({name for move in workflow.transitions for name in move.sets}))
    key = (model, names)
    if key not in _TRANSITION_INPUTS:
        states = ", ".join(dict.fromkeys(move.target for move in workflow.transitions))
        meta = type(
            "Meta",
            (),
            {
                "model": model,
                "fields": ["to", "note", *names],
                "extra_kwargs": {name: {"required": False} for name in names},
            },
        )
        attrs = {
            "__doc__": f"Moves a {model.__name__} to another state.",
            "__module__": __name__,
            "Meta": meta,
            # A plain string: a wrong state gets the workflow's answer, naming the allowed ones.
            "to": serializers.CharField(help_text=f"The next state: {states}"),
            "note": serializers.CharField(
                required=False, allow_blank=True, default="", max_length=5000
            ),
        }
        name = f"{model.__name__}TransitionInputSerializer"
        _TRANSITION_INPUTS[key] = type(name, (serializers.ModelSerializer,), attrs)
    return _TRANSITION_INPUTS[key]


class EvidenceSerializer(serializers.ModelSerializer):
    """One figure with its meaning from the vocabulary, in the request's language."""

    period = serializers.CharField(source="period.key", read_only=True)
    label = serializers.SerializerMethodField()
    unit = serializers.SerializerMethodField()
    worse = serializers.SerializerMethodField()
    explanation = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "source",
            "name",
            "label",
            "value",
            "unit",
            "worse",
            "explanation",
            "period",
            "details",
            "computed_at",
        ]

    def _measure(self, obj):
        return measure_for(obj.source, obj.name)

    def get_label(self, obj) -> str:
        measure = self._measure(obj)
        return str(measure.label) if measure else obj.name

    def get_unit(self, obj) -> str:
        measure = self._measure(obj)
        return str(measure.unit) if measure else ""

    @extend_schema_field(
        serializers.ChoiceField(choices=["higher", "lower"], allow_null=True),
    )
    def get_worse(self, obj) -> str | None:
        measure = self._measure(obj)
        return measure.worse if measure else None

    def get_explanation(self, obj) -> str:
        measure = self._measure(obj)
        return str(measure.explanation) if measure else ""


class FreshnessSerializer(serializers.Serializer):
    """How fresh one source's figures about this challenge are."""

    source = serializers.CharField()
    label = serializers.CharField()
    computed_at = serializers.DateTimeField(
        allow_null=True,
        help_text="When this source last computed figures about this challenge for the "
        "period shown; null if it never did.",
    )
    data_until = serializers.DateField(
        allow_null=True, help_text="The last day with data in the period shown."
    )
    pending = serializers.BooleanField(
        help_text="True while a recompute of these figures waits (something they describe changed)."
    )


class StageSerializer(serializers.Serializer):
    """The challenge's pipeline stage: its status, or the furthest stage an app reports."""

    key = serializers.CharField()
    label = serializers.CharField()
    rank = serializers.IntegerField(help_text="Higher is further along; closed is last.")


class TimelineEntrySerializer(serializers.Serializer):
    """One public step of a challenge's story; it names no one (civic.challenge_parts)."""

    day = serializers.DateField()
    kind = serializers.CharField(
        help_text="What kind of step: concerns, grouped, challenge, evidence, priority, "
        "proposal, consultation, decision, works, milestone, completion, evaluation, answers "
        "(apps may add kinds)."
    )
    title = serializers.CharField()
    text = serializers.CharField(help_text="Plain words in the requested language; may be empty.")
    url = serializers.SerializerMethodField(help_text="The public page with more; may be empty.")

    def get_url(self, entry) -> str:
        return self.context["request"].build_absolute_uri(entry.url) if entry.url else ""


class ChallengeSerializer(_TransitionsMixin, GeoFeatureModelSerializer):
    theme = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    concerns = serializers.SerializerMethodField()
    concern_count = serializers.IntegerField(read_only=True)
    evidence = serializers.SerializerMethodField(
        help_text="The figures for the period shown (`period`), and the survey signal "
        "(which counts every answer so far)."
    )
    period = serializers.SerializerMethodField(help_text="The period the figures describe.")
    freshness = serializers.SerializerMethodField()
    allowed_transitions = serializers.SerializerMethodField()
    stage = serializers.SerializerMethodField()

    class Meta:
        model = Challenge
        geo_field = "geometry"
        fields = [
            "id",
            "title",
            "description",
            "theme",
            "area",
            "status",
            "stage",
            "concerns",
            "concern_count",
            "period",
            "evidence",
            "freshness",
            "created_at",
            "allowed_transitions",
        ]

    @extend_schema_field(StageSerializer)
    def get_stage(self, obj) -> dict:
        # Looked up once per answer by the view, not once per challenge.
        stages = self.context.get("stages") or {}
        stage = stages.get(obj.pk) or stages_for([obj])[obj.pk]
        return {"key": stage.key, "label": str(stage.label), "rank": stage.rank}

    @extend_schema_field(serializers.ListField(child=serializers.IntegerField()))
    def get_concerns(self, obj) -> list[int]:
        # Only public concerns are listed: a link never reveals an unpublished one.
        return [c.pk for c in obj.concerns.all() if c.is_public]

    @extend_schema_field(EvidenceSerializer(many=True))
    def get_evidence(self, obj) -> list[dict]:
        rows = getattr(obj, "shown_evidence", None)
        if rows is None:  # built outside the view: read them now
            rows = list(evidence_shown(challenge=obj, period=self.context.get("period")))
        return EvidenceSerializer(rows, many=True, context=self.context).data

    @extend_schema_field(PeriodSerializer(allow_null=True))
    def get_period(self, obj) -> dict | None:
        period = self.context.get("period")
        return period_as_dict(period) if period else None

    @extend_schema_field(FreshnessSerializer(many=True))
    def get_freshness(self, obj) -> list[dict]:
        # Looked up once per answer by the view (three queries), not once per challenge.
        known = self.context.get("freshness") or {}
        rows = known.get(obj.pk)
        if rows is None:
            rows = evidence_freshness(
                subject_kind="challenge", subject_ids=[obj.pk], period=self.context.get("period")
            )[obj.pk]
        return FreshnessSerializer([vars(r) for r in rows], many=True).data


class ChallengeInputSerializer(StrictInputSerializer):
    """What an officer sends to create (POST) or change (PATCH) a challenge."""

    title = TextField(max_length=200)
    description = TextField(required=False, allow_blank=True, max_length=20000)
    theme = SlugRelatedField(slug_field="slug", queryset=Theme.objects.all())
    geometry = AreaInputField(required=False, allow_null=True)
    area = SlugRelatedField(
        slug_field="code",
        queryset=Area.objects.all(),
        required=False,
        allow_null=True,
        help_text="Official code of a district or neighbourhood; left out or null: the one "
        "the geometry lies in.",
    )


class LinkConcernsInputSerializer(StrictInputSerializer):
    concerns = serializers.ListField(child=serializers.IntegerField(), allow_empty=False)


class UnlinkConcernInputSerializer(StrictInputSerializer):
    """Which linked concern to unlink, and why (kept in the audit record; told to its author)."""

    concern = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    reason = TextField(max_length=2000, allow_blank=True)


class SuggestedConcernSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    description = serializers.CharField()
    theme = serializers.CharField(source="theme.slug")
    area = serializers.CharField(source="area.code", allow_null=True, default=None)


class ClusterSerializer(serializers.Serializer):
    """Nearby unlinked published concerns of one theme (ST_ClusterDBSCAN)."""

    theme = serializers.CharField(source="theme.slug")
    concerns = SuggestedConcernSerializer(many=True)
    centre = serializers.JSONField(help_text="A GeoJSON Point in WGS84: the cluster's centroid.")
    near_challenge = serializers.IntegerField(
        source="near_challenge.pk",
        allow_null=True,
        default=None,
        help_text="An open challenge of the same theme close to the cluster, if any.",
    )


class DuplicateSerializer(serializers.Serializer):
    """A newer published concern that likely repeats an older public one (pg_trgm)."""

    concern = SuggestedConcernSerializer()
    original = SuggestedConcernSerializer()
    similarity = serializers.FloatField()
    distance_m = serializers.FloatField()


class SuggestionsSerializer(serializers.Serializer):
    """Grouping suggestions for officers."""

    clusters = ClusterSerializer(many=True)
    duplicates = DuplicateSerializer(many=True)

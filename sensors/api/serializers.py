"""Serializers of the sensors API; exact locations only for the owner and officers."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework_gis.fields import GeometryField
from rest_framework_gis.serializers import GeoFeatureModelSerializer

from civic.api.serializers import PointInputField
from civic.roles import is_staff_member
from sensors.models import Sensor, SensorRegistration
from sensors.quantities import QUANTITY_CHOICES
from sensors.workflow import SENSOR_WORKFLOW


class SensorSerializer(GeoFeatureModelSerializer):
    """A sensor at its public (100 m cell) location; owners and officers also get the exact one."""

    area = serializers.SlugRelatedField(slug_field="code", read_only=True)
    is_mine = serializers.SerializerMethodField()
    night_anomaly = serializers.FloatField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Mean night anomaly (°C) over the period asked for (?period=).",
    )
    wet_feet_hours = serializers.IntegerField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Hours with wet feet over the period asked for; "
        "null if the sensor does not measure wet feet.",
    )
    soil_moisture = serializers.FloatField(
        read_only=True,
        allow_null=True,
        default=None,
        help_text="Mean soil moisture (%) over the period asked for (mean of the daily means); "
        "null if the sensor has no soil moisture readings.",
    )

    allowed_transitions = serializers.SerializerMethodField(
        help_text="The moves you may make now: retired (owner, officers), active (officers)."
    )

    # Added by to_representation for the owner and officers only (optional in the schema).
    conditional_fields = {
        "external_id": serializers.CharField(help_text="Owner and officers only: the device id."),
        "exact_location": GeometryField(
            source="location", help_text="Owner and officers only: the exact location."
        ),
    }

    class Meta:
        model = Sensor
        geo_field = "public_location"
        fields = [
            "id",
            "name",
            "kind",
            "hardware",
            "quantities",
            "area",
            "height_m",
            "exposure",
            "surface",
            "status",
            "last_seen_at",
            "is_mine",
            "night_anomaly",
            "wet_feet_hours",
            "soil_moisture",
            "allowed_transitions",
        ]

    def get_allowed_transitions(self, obj) -> list[str]:
        user = self.context["request"].user
        return [t.target for t in SENSOR_WORKFLOW.available_to(obj, user)]

    def get_is_mine(self, obj) -> bool:
        user = self.context["request"].user
        return bool(user.is_authenticated and obj.owner_id == user.pk)

    def to_representation(self, instance):
        data = super().to_representation(instance)
        user = self.context["request"].user
        if is_staff_member(user) or (user.is_authenticated and instance.owner_id == user.pk):
            data["properties"]["external_id"] = instance.external_id
            data["properties"]["exact_location"] = {
                "type": "Point",
                "coordinates": [instance.location.x, instance.location.y],
            }
        return data


class RegisteredSensorSerializer(SensorSerializer):
    """A sensor just registered, with its device token (context["token"]), shown this once."""

    token = serializers.SerializerMethodField(help_text="The device token; it is not stored.")

    class Meta(SensorSerializer.Meta):
        fields = [*SensorSerializer.Meta.fields, "token"]

    def get_token(self, obj) -> str:
        return self.context["token"]


class SensorInputSerializer(serializers.Serializer):
    external_id = serializers.CharField(max_length=100)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    kind = serializers.ChoiceField(
        choices=Sensor.Kind.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text="Where it hangs; by default a garden when it has an owner, else other.",
    )
    hardware = serializers.ChoiceField(choices=Sensor.Hardware.choices)
    quantities = serializers.ListField(
        child=serializers.ChoiceField(choices=QUANTITY_CHOICES), allow_empty=False
    )
    location = PointInputField()
    height_m = serializers.FloatField(required=False, allow_null=True, default=None)
    exposure = serializers.ChoiceField(
        choices=Sensor.Exposure.choices, required=False, allow_blank=True, default=""
    )
    surface = serializers.ChoiceField(
        choices=Sensor.Surface.choices, required=False, allow_blank=True, default=""
    )

    def validate_location(self, value):
        if value.geom_type != "Point":
            raise serializers.ValidationError(_("The location must be a point."))
        return value


class TokenSerializer(serializers.Serializer):
    """A freshly issued device token: shown this once."""

    token = serializers.CharField()


class ReadingInputSerializer(serializers.Serializer):
    """Documents one reading of the native bulk format (validated by sensors.ingest)."""

    quantity = serializers.ChoiceField(choices=QUANTITY_CHOICES)
    observed_at = serializers.DateTimeField()
    value = serializers.FloatField()


class ReadingsBatchSerializer(serializers.Serializer):
    readings = ReadingInputSerializer(many=True)


class IngestResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    ignored = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="TTN and sensor.community: the values of the payload that are not stored.",
    )


class RegistrationFileSerializer(serializers.Serializer):
    """A CSV or GeoJSON file of sensors (see sensors.bulk_registration for its columns)."""

    file = serializers.FileField(
        allow_empty_file=False,
        help_text="CSV (device_id, kind, owner_email, quantities, latitude, longitude; "
        "optional name, height_m, exposure, surface, hardware) or a GeoJSON FeatureCollection "
        "of Point features with those properties. At most 5 MB.",
    )


class SensorRegistrationSerializer(serializers.ModelSerializer):
    """Sensors registered from a file, and where to fetch their device tokens once."""

    registered_by = serializers.SlugRelatedField(
        source="created_by", slug_field="username", read_only=True
    )
    sensors = serializers.SlugRelatedField(
        many=True, slug_field="external_id", read_only=True, help_text="Their device ids."
    )
    tokens_url = serializers.SerializerMethodField(
        help_text="POST here (once, before tokens_expire_at) for the CSV file device_id,token."
    )

    class Meta:
        model = SensorRegistration
        fields = [
            "id",
            "file_name",
            "registered_by",
            "created_at",
            "sensor_count",
            "sensors",
            "tokens_expire_at",
            "tokens_downloaded_at",
            "tokens_url",
        ]

    def get_tokens_url(self, obj) -> str:
        return reverse("sensor-registration-tokens", args=[obj.pk])

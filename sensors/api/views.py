"""Thin API views of the sensors app."""

from django.db.models import Q
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.api.periods import PERIOD_PARAM, requested_period
from civic.api.serializers import transition_input_serializer
from civic.api.views import PeriodFeaturePagination, transition_from_request
from civic.roles import is_staff_member
from sensors import ingest, selectors, services
from sensors.api import serializers as s
from sensors.api.auth import DeviceTokenAuthentication, IsDevice
from sensors.models import Sensor


class SensorPermission(BasePermission):
    """Anyone reads the public registry; signed-in residents and officers register."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or request.user.is_authenticated


class SensorViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """The sensor registry: public locations for all, exact ones for owners and officers."""

    permission_classes = [SensorPermission]
    pagination_class = PeriodFeaturePagination
    serializer_class = s.SensorSerializer
    filterset_fields = ["hardware", "status"]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # The figures describe one named period; a bad ?period= is a 400 naming it.
        self.period = requested_period(request) if request.method == "GET" else None
        # Named next to the features by the paginator.
        request.evidence_period = self.period

    @extend_schema(parameters=[PERIOD_PARAM])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[PERIOD_PARAM])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation (also in `check --deploy`) must not query the database.
            return Sensor.objects.none()
        queryset = selectors.sensors_with_indicators(
            Sensor.objects.select_related("area"), period=self.period
        )
        user = self.request.user
        if is_staff_member(user):
            return queryset
        # Retired sensors are history; their owner still sees them.
        visible = ~Q(status=Sensor.Status.RETIRED)
        if user.is_authenticated:
            visible |= Q(owner=user)
        return queryset.filter(visible)

    @extend_schema(request=s.SensorInputSerializer, responses={201: s.RegisteredSensorSerializer})
    def create(self, request, *args, **kwargs):
        """Register a sensor; the answer holds its device token, shown only this once."""
        data = s.SensorInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        sensor, token = services.sensor_register(actor=request.user, **data.validated_data)
        body = s.RegisteredSensorSerializer(sensor, context={"request": request, "token": token})
        return Response(body.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=transition_input_serializer(Sensor), responses=s.SensorSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Retire a sensor (its owner or an officer) or reactivate a retired one (officers)."""
        sensor = self.get_object()
        transition_from_request(request, sensor)
        return Response(self.get_serializer(self.get_queryset().get(pk=sensor.pk)).data)

    @extend_schema(request=None, responses={201: s.TokenSerializer})
    @action(detail=True, methods=["post"])
    def tokens(self, request, pk=None):
        """Issue an extra device token (e.g. before retiring the old one)."""
        token = services.device_token_issue(sensor=self.get_object(), actor=request.user)
        return Response({"token": token}, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=None,
        responses={
            200: inline_serializer("RevokedTokens", {"revoked": serializers.IntegerField()})
        },
    )
    @action(detail=True, methods=["post"], url_path="revoke-tokens")
    def revoke_tokens(self, request, pk=None):
        """Revoke every token of the sensor (a lost or leaked secret)."""
        revoked = services.device_tokens_revoke(sensor=self.get_object(), actor=request.user)
        return Response({"revoked": revoked})


class ReadingsIngestView(APIView):
    """Native bulk ingest: many readings of one device per request, idempotent."""

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsDevice]
    throttle_classes = []

    @extend_schema(
        request=s.ReadingsBatchSerializer,
        responses={201: s.IngestResultSerializer, 200: s.IngestResultSerializer},
    )
    def post(self, request):
        records = request.data.get("readings") if isinstance(request.data, dict) else None
        return ingest_response(request, records)


def ingest_response(request, records, ignored: list[str] | None = None) -> Response:
    """Store one device's records and answer as every ingest path does.

    400 {"readings": {"<index>": {"<field>": ["why"]}}} when any record is bad
    (nothing stored); 201 when something new was stored; 200 for a pure replay,
    which is still a success for the device.
    """
    try:
        result = ingest.readings_ingest(sensor=request.auth, records=records)
    except ingest.BatchRejected as rejected:
        return Response({"readings": rejected.problems}, status=status.HTTP_400_BAD_REQUEST)
    body = {"received": result.received, "stored": result.stored, "duplicates": result.duplicates}
    if ignored is not None:
        body["ignored"] = ignored
    return Response(body, status=status.HTTP_201_CREATED if result.stored else status.HTTP_200_OK)

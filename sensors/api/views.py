"""Thin API views of the sensors app."""

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import APIException
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.api.parsers import MultiPartParser
from civic.api.periods import PERIOD_PARAM, requested_period
from civic.api.serializers import transition_input_serializer
from civic.api.views import PeriodFeaturePagination, transition_from_request
from civic.roles import is_staff_member
from sensors import bulk_registration, ingest, selectors, services
from sensors.api import serializers as s
from sensors.api.auth import DeviceTokenAuthentication, IsDevice
from sensors.models import Sensor, SensorRegistration


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


class IsOfficer(BasePermission):
    """Policy officers and administrators only."""

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)


class FileTooLarge(APIException):
    """413: a file larger than the service takes."""

    status_code = 413
    default_code = "file_too_large"


_ERROR = inline_serializer("Unavailable", {"detail": serializers.CharField()})


class SensorRegistrationsView(APIView):
    """Officers register many sensors at once from a CSV or GeoJSON file; all or none."""

    permission_classes = [IsOfficer]
    parser_classes = [MultiPartParser]

    @extend_schema(
        request={"multipart/form-data": s.RegistrationFileSerializer},
        responses={
            201: s.SensorRegistrationSerializer,
            400: OpenApiResponse(
                description='A bad file: {"file": ["…"]}, or every bad row and field, '
                'nothing registered: {"lines": {"<CSV line>": {"<column>": ["…"]}}} or '
                '{"features": {"<feature number>": {"<property>": ["…"]}}}.'
            ),
            413: OpenApiResponse(description="The file is larger than 5 MB."),
            503: OpenApiResponse(
                response=_ERROR,
                description="The tokens file could not be set aside; nothing was registered.",
            ),
        },
    )
    def post(self, request):
        """Register every sensor of the file, or none; the tokens file waits at `tokens_url`."""
        data = s.RegistrationFileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > bulk_registration.MAX_FILE_BYTES:
            raise FileTooLarge(
                _("The file is %(size)s; send at most %(limit)s.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(bulk_registration.MAX_FILE_BYTES),
                }
            )
        try:
            registration, _none = bulk_registration.sensors_register_file(
                actor=request.user, content=upload.read(), file_name=upload.name or ""
            )
        except bulk_registration.RegistrationRejected as rejected:
            return Response(rejected.as_api(), status=status.HTTP_400_BAD_REQUEST)
        except bulk_registration.TokensNotHeld:
            return Response(
                {"detail": _("The device tokens could not be set aside; nothing was registered.")},
                status=status.HTTP_503_SERVICE_UNAVAILABLE,
            )
        body = s.SensorRegistrationSerializer(registration, context={"request": request})
        return Response(body.data, status=status.HTTP_201_CREATED)


class _CsvOrJSONError(BaseContentNegotiation):
    """The tokens file goes out as CSV whatever the client accepts; an error is JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class SensorRegistrationTokensView(APIView):
    """The device tokens of a registration from a file, as CSV, exactly once."""

    permission_classes = [IsOfficer]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _CsvOrJSONError

    @extend_schema(
        request=None,
        responses={
            (200, "text/csv"): OpenApiResponse(
                response=OpenApiTypes.STR,
                description="CSV with the header device_id,token and one line per sensor.",
            ),
            404: OpenApiResponse(description="No such registration of this officer."),
            410: OpenApiResponse(
                response=_ERROR,
                description="Downloaded already, or expired: the file is not kept.",
            ),
        },
    )
    def post(self, request, pk: int):
        """Download the tokens file: the first call gets it, later ones 410."""
        registration = get_object_or_404(SensorRegistration, pk=pk, created_by=request.user)
        try:
            tokens_csv = bulk_registration.registration_tokens_take(registration=registration)
        except bulk_registration.TokensGone as gone:
            return Response({"detail": str(gone)}, status=status.HTTP_410_GONE)
        response = HttpResponse(tokens_csv, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="device-tokens-{registration.pk}.csv"'
        )
        response["Cache-Control"] = "no-store"
        return response

"""Ingest from device ecosystems: The Things Network webhooks and sensor.community pushes.

Both adapters turn the payload into native records and reuse the native
checks and the one bulk statement, so replays, bad values and dirty markers
behave exactly as on /api/v1/readings/.
"""

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.response import Response
from rest_framework.views import APIView

from sensors.api.auth import DeviceBasicAuthentication, DeviceTokenAuthentication, IsDevice
from sensors.api.serializers import IngestResultSerializer
from sensors.api.views import ingest_response
from sensors.formats import sensor_community, ttn


class TTNUplinkView(APIView):
    """The Things Stack v3 uplink webhook (`Authorization: Device <token>` as a custom header)."""

    authentication_classes = [DeviceTokenAuthentication]
    permission_classes = [IsDevice]
    throttle_classes = []

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={201: IngestResultSerializer, 200: IngestResultSerializer},
    )
    def post(self, request):
        try:
            device = ttn.device_id(request.data)
            if device != request.auth.external_id:
                raise AuthenticationFailed(
                    _("This token does not belong to device %(id)s.") % {"id": device}
                )
            records, ignored = ttn.records(request.data)
        except ttn.PayloadError as error:
            return Response({error.field: [str(error)]}, status=status.HTTP_400_BAD_REQUEST)
        return ingest_response(request, records, ignored)


class SensorCommunityView(APIView):
    """sensor.community firmware push: X-Sensor / X-Pin headers, Basic device credentials."""

    authentication_classes = [DeviceBasicAuthentication, DeviceTokenAuthentication]
    permission_classes = [IsDevice]
    throttle_classes = []

    @extend_schema(
        request={"application/json": OpenApiTypes.OBJECT},
        responses={201: IngestResultSerializer, 200: IngestResultSerializer},
        parameters=[
            OpenApiParameter("X-Sensor", str, OpenApiParameter.HEADER, required=True),
            OpenApiParameter("X-Pin", str, OpenApiParameter.HEADER),
        ],
    )
    def post(self, request):
        if request.headers.get("X-Sensor") != request.auth.external_id:
            raise AuthenticationFailed(_("X-Sensor does not match the device's credentials."))
        try:
            records, ignored = sensor_community.records(request.data)
        except ValueError:
            return Response(
                {"sensordatavalues": [_("Send a list of {value_type, value} objects.")]},
                status=status.HTTP_400_BAD_REQUEST,
            )
        return ingest_response(request, records, ignored)

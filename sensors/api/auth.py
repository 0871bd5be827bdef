"""Per-device authentication: `Authorization: Device <token>`."""

import base64
import binascii

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from sensors.services import sensor_authenticate


class DeviceTokenAuthentication(authentication.BaseAuthentication):
    """Authenticates a device (request.auth is its Sensor; there is no user)."""

    keyword = "Device"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0] != self.keyword:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Send `Authorization: Device <token>`."))
        sensor = sensor_authenticate(raw_token=header[1])
        if sensor is None:
            raise exceptions.AuthenticationFailed(_("Unknown device or wrong token."))
        return (None, sensor)

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (not 403) when the header is missing or wrong.
        return self.keyword


class IsDevice:
    """Permission: the request was authenticated by a device token."""

    def has_permission(self, request, view) -> bool:
        from sensors.models import Sensor

        return isinstance(request.auth, Sensor)

    def has_object_permission(self, request, view, obj) -> bool:
        return True


class DeviceTokenScheme(OpenApiAuthenticationExtension):
    """Describes device tokens in the OpenAPI schema."""

    target_class = "sensors.api.auth.DeviceTokenAuthentication"
    name = "deviceToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Device <token>`: the token issued when the sensor was registered.",
        }


class DeviceBasicAuthentication(authentication.BaseAuthentication):
    """HTTP Basic with the device id as user name and its token as password.

    sensor.community firmware can send to a custom API with Basic credentials;
    its chip id alone (part of the MAC address) is no secret.
    """

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"basic":
            return None
        try:
            user, _colon, password = (
                base64.b64decode(header[1], validate=True).decode("utf-8").partition(":")
            )
        except (IndexError, ValueError, binascii.Error):
            raise exceptions.AuthenticationFailed(_("Malformed Basic credentials.")) from None
        sensor = sensor_authenticate(raw_token=password, external_id=user)
        if sensor is None:
            raise exceptions.AuthenticationFailed(_("Unknown device or wrong token."))
        return (None, sensor)

    def authenticate_header(self, request) -> str:
        return 'Basic realm="devices"'


class DeviceBasicScheme(OpenApiAuthenticationExtension):
    """Describes Basic device credentials in the OpenAPI schema."""

    target_class = "sensors.api.auth.DeviceBasicAuthentication"
    name = "deviceBasic"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "basic",
            "description": "User name: the device id (esp8266-<chip id>); password: its token.",
        }

"""The signed-in user's notification settings: GET and PUT /api/v1/me/notification-preferences/."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.api.parsers import JSONParser
from civic.api.serializers import StrictInputSerializer
from civic.notification_kinds import kinds
from civic.notification_preferences import (
    KindChoice,
    notification_preferences_of,
    notification_preferences_set,
)


@extend_schema_field({"type": "boolean"})
class StrictBooleanField(serializers.BooleanField):
    """true or false only: DRF's BooleanField also reads "yes", 1 and "off" as booleans."""

    default_error_messages = {"invalid": _("Give true or false.")}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data


class NotificationKindSerializer(serializers.Serializer):
    """One kind of notification, in the reader's language, and whether they receive it."""

    key = serializers.CharField(read_only=True, help_text="The kind's name, as PUT takes it.")
    label = serializers.CharField(read_only=True)
    explanation = serializers.CharField(read_only=True)
    enabled = serializers.BooleanField(
        read_only=True, help_text="Whether these reach you, in the service and by e-mail."
    )

    def to_representation(self, instance: KindChoice) -> dict:
        return {
            "key": instance.kind.key,
            "label": str(instance.kind.label),
            "explanation": str(instance.kind.explanation),
            "enabled": instance.enabled,
        }


class NotificationPreferencesSerializer(serializers.Serializer):
    """Every kind of notification the service sends, in order."""

    kinds = NotificationKindSerializer(many=True, read_only=True)


class NotificationPreferencesInputSerializer(StrictInputSerializer):
    """{kind: true|false} for the kinds to change; kinds left out keep their setting."""

    def get_fields(self):
        # One field per registered kind: apps register theirs, the schema lists them all.
        return {
            kind.key: StrictBooleanField(required=False, help_text=str(kind.explanation))
            for kind in kinds()
        }


def _answer(choices: list[KindChoice]) -> Response:
    return Response(NotificationPreferencesSerializer({"kinds": choices}).data)


class NotificationPreferencesView(APIView):
    """Which kinds of notification reach the signed-in user; each can be switched off."""

    permission_classes = [IsAuthenticated]
    parser_classes = [JSONParser]

    @extend_schema(responses=NotificationPreferencesSerializer)
    def get(self, request):
        return _answer(notification_preferences_of(user=request.user))

    @extend_schema(
        request=NotificationPreferencesInputSerializer,
        responses=NotificationPreferencesSerializer,
        description=(
            "Switch kinds of notification on (true) or off (false), e.g. "
            '{"challenge": false}. Kinds left out keep their setting; an unknown '
            "kind is a 400 naming it, and nothing is changed."
        ),
    )
    def put(self, request):
        given = NotificationPreferencesInputSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            choices = notification_preferences_set(user=request.user, choices=given.validated_data)
        except DjangoValidationError as error:
            raise ValidationError(error.message_dict) from None
        return _answer(choices)

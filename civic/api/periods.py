"""Evidence periods in the API: the `?period=` parameter, the period object, the period list."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from civic.api.fields import TextField
from civic.api.permissions import IsOfficerOrReadOnly
from civic.models import EvidencePeriod
from civic.periods import (
    period_as_dict,
    period_custom_create,
    period_default,
    period_from_param,
    periods_with_data,
)

PERIOD_PARAM = OpenApiParameter(
    "period",
    str,
    description=(
        "Which period the figures describe: a period key such as season-2026, "
        "heat-wave-2026-07-18, last-30-days or an officer's 2026-07-01..2026-07-31 "
        "(GET /api/v1/periods/ lists them). Default: the most recent warm season with data "
        "(the current one once it has 14 days of data). An empty, reversed or unknown "
        "period is a 400 naming `period`."
    ),
)


def requested_period(request) -> EvidencePeriod | None:
    """The period `?period=` names, else the default; a 400 naming `period` for a bad one."""
    try:
        period = period_from_param(request.query_params.get("period"))
    except DjangoValidationError as error:
        raise ValidationError(error.message_dict) from None
    return period if period is not None else period_default()


class PeriodSerializer(serializers.Serializer):
    """A named period that figures describe; its dates are local days, both included."""

    key = serializers.CharField(read_only=True)
    kind = serializers.ChoiceField(choices=EvidencePeriod.Kind.choices, read_only=True)
    start = serializers.DateField()
    end = serializers.DateField()
    label = serializers.CharField(read_only=True)
    name = TextField(max_length=100, required=False, allow_blank=True, write_only=True)

    def to_representation(self, instance: EvidencePeriod) -> dict:
        return period_as_dict(instance)


class PeriodViewSet(mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet):
    """The periods with figures, newest first; officers define new ones (before/after works)."""

    serializer_class = PeriodSerializer
    permission_classes = [IsOfficerOrReadOnly]
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return EvidencePeriod.objects.none()
        return periods_with_data()

    @extend_schema(request=PeriodSerializer, responses={201: PeriodSerializer})
    def create(self, request, *args, **kwargs):
        data = PeriodSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            period = period_custom_create(
                actor=request.user,
                start=data.validated_data["start"],
                end=data.validated_data["end"],
                name=data.validated_data.get("name", ""),
            )
        except DjangoPermissionDenied as error:
            raise PermissionDenied(str(error)) from None
        except DjangoValidationError as error:
            problems = error.message_dict
            # The service speaks of the period as a whole; here its days are the fields.
            if "period" in problems:
                problems = {"end": problems.pop("period"), **problems}
            raise ValidationError(problems) from None
        return Response(PeriodSerializer(period).data, status=status.HTTP_201_CREATED)

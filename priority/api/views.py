"""Views of the priority API: thin, they validate, call a service or selector, and answer."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.permissions import SAFE_METHODS, AllowAny, BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.api.periods import PERIOD_PARAM, requested_period
from civic.api.permissions import IsOfficerOrReadOnly
from civic.models import EvidencePeriod
from civic.roles import ADMIN, is_staff_member, user_has_role
from priority import selectors, services
from priority.api.serializers import (
    CouncilThemesInputSerializer,
    CouncilThemesSerializer,
    OverrideInputSerializer,
    OverrideSerializer,
    ScoresSerializer,
    WeightsInputSerializer,
    WeightsVersionSerializer,
)
from priority.models import CouncilThemesVersion, Override, WeightsVersion


class IsOfficer(BasePermission):
    """Policy officers and administrators only."""

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)


class IsAdministratorOrReadOnly(BasePermission):
    """Anyone reads; administrators write."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or user_has_role(request.user, ADMIN)


def _line(line: dict, keys: dict[int, str]) -> dict:
    return {
        "criterion": line["criterion"],
        "label": line["label"],
        "raw": line["raw"],
        "raw_text": line["raw_text"],
        "normalised": line["normalised"],
        "weight": line["weight"],
        "contribution": line["contribution"],
        "period": keys.get(line["period_id"]),
        "missing": line["missing"],
    }


class ScoresView(APIView):
    """The ranking for a period: each open or prioritised challenge's score, equal-weights score,
    override and breakdown, most urgent first. Public: we rank openly."""

    permission_classes = [AllowAny]

    @extend_schema(
        operation_id="v1_priority_scores_list",
        parameters=[PERIOD_PARAM],
        responses={200: ScoresSerializer},
    )
    def get(self, request):
        period = requested_period(request)
        if period is None:
            period = selectors.ranking_default_period()
        entries = selectors.ranking(period)
        ids = {line["period_id"] for e in entries for line in e.lines if line["period_id"]}
        keys = (
            dict(EvidencePeriod.objects.filter(pk__in=ids).values_list("pk", "key")) if ids else {}
        )
        results = [
            {
                "rank": e.rank,
                "challenge": e.challenge.pk,
                "title": e.challenge.title,
                "theme": e.challenge.theme.slug,
                "status": e.challenge.status,
                "score": e.score.value,
                "equal_weights_score": e.score.equal_value,
                "criteria_present": e.score.criteria_present,
                "criteria_total": e.score.criteria_total,
                "weights_version": e.score.weights.number if e.score.weights else None,
                "override": {
                    "position": e.override.position,
                    "reason": e.override.reason,
                    "created_at": e.override.created_at,
                }
                if e.override
                else None,
                "computed_at": e.score.computed_at,
                "breakdown": [_line(line, keys) for line in e.lines],
            }
            for e in entries
        ]
        data = {"period": period, "results": results}
        return Response(ScoresSerializer(data).data)


def _version_dict(version: WeightsVersion, in_force: bool) -> dict:
    return {
        "number": version.number,
        "weights": selectors.weights_values(version),
        "note": version.note,
        "set_by": selectors.role_word(version.created_by),
        "created_at": version.created_at,
        "in_force": in_force,
    }


class WeightsView(APIView):
    """The weights versions, newest (in force) first; officers add a version.

    An empty list: no version was set and every criterion weighs 1.
    """

    permission_classes = [IsOfficerOrReadOnly]

    @extend_schema(
        operation_id="v1_priority_weights_list",
        responses={200: WeightsVersionSerializer(many=True)},
    )
    def get(self, request):
        history = selectors.weights_history()
        data = [_version_dict(v, i == 0) for i, v in enumerate(history)]
        return Response(WeightsVersionSerializer(data, many=True).data)

    @extend_schema(
        operation_id="v1_priority_weights_create",
        request=WeightsInputSerializer,
        responses={
            201: WeightsVersionSerializer,
            400: OpenApiResponse(
                description="Bad weights: the body names weights.<criterion> (negative, not a "
                "number, unknown or missing) or weights (all zero)."
            ),
        },
    )
    def post(self, request):
        data = WeightsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.weights_version_create(
            actor=request.user,
            weights=data.validated_data["weights"],
            note=data.validated_data.get("note", ""),
        )
        return Response(
            WeightsVersionSerializer(_version_dict(version, True)).data,
            status=status.HTTP_201_CREATED,
        )


def _override_dict(entry: Override, in_force_ids: set[int]) -> dict:
    return {
        "id": entry.pk,
        "challenge_id": entry.challenge_id,
        "position": entry.position,
        "withdrawn": entry.withdrawn,
        "reason": entry.reason,
        "set_by": selectors.role_word(entry.created_by),
        "created_at": entry.created_at,
        "in_force": entry.pk in in_force_ids,
    }


class OverridesView(APIView):
    """The history of ranking overrides, newest first (officers); set or withdraw one."""

    permission_classes = [IsOfficer]

    @extend_schema(
        operation_id="v1_priority_overrides_list",
        responses={200: OverrideSerializer(many=True)},
    )
    def get(self, request):
        entries = list(
            Override.objects.select_related("created_by")
            .prefetch_related("created_by__groups")
            .order_by("-created_at", "-id")[:500]
        )
        in_force = {o.pk for o in selectors.overrides_in_force().values()}
        return Response(
            OverrideSerializer([_override_dict(e, in_force) for e in entries], many=True).data
        )

    @extend_schema(
        operation_id="v1_priority_overrides_create",
        request=OverrideInputSerializer,
        responses={
            201: OverrideSerializer,
            400: OpenApiResponse(
                description="A missing reason (names `reason`), a missing position, a challenge "
                "that is not ranked, or a withdrawal without an override in force."
            ),
        },
    )
    def post(self, request):
        data = OverrideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        if values.get("action", "set") == "withdraw":
            entry = services.override_withdraw(
                actor=request.user, challenge=values["challenge"], reason=values["reason"]
            )
        else:
            entry = services.override_set(
                actor=request.user,
                challenge=values["challenge"],
                position=values["position"],
                reason=values["reason"],
            )
        in_force = {entry.pk} if entry.position is not None else set()
        return Response(
            OverrideSerializer(_override_dict(entry, in_force)).data,
            status=status.HTTP_201_CREATED,
        )


def _themes_dict(version: CouncilThemesVersion, in_force: bool) -> dict:
    return {
        "number": version.number,
        "themes": sorted(t.slug for t in version.themes.all()),
        "note": version.note,
        "set_by": selectors.role_word(version.created_by),
        "created_at": version.created_at,
        "in_force": in_force,
    }


class CouncilThemesView(APIView):
    """The council's priority themes, newest version (in force) first; administrators record them.

    An empty list: never marked, and the alignment criterion is missing for every challenge.
    """

    permission_classes = [IsAdministratorOrReadOnly]

    @extend_schema(
        operation_id="v1_priority_council_themes_list",
        responses={200: CouncilThemesSerializer(many=True)},
    )
    def get(self, request):
        history = selectors.council_themes_history()
        data = [_themes_dict(v, i == 0) for i, v in enumerate(history)]
        return Response(CouncilThemesSerializer(data, many=True).data)

    @extend_schema(
        operation_id="v1_priority_council_themes_create",
        request=CouncilThemesInputSerializer,
        responses={201: CouncilThemesSerializer},
    )
    def post(self, request):
        data = CouncilThemesInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.council_themes_set(
            actor=request.user,
            themes=data.validated_data["themes"],
            note=data.validated_data.get("note", ""),
        )
        return Response(
            CouncilThemesSerializer(_themes_dict(version, True)).data,
            status=status.HTTP_201_CREATED,
        )

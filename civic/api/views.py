"""Thin API views: validate, call a service or selector, answer."""

from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication, TokenAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_gis.pagination import GeoJsonPagination

from civic import challenge_parts, selectors, services, workflow
from civic.api import serializers as s
from civic.api.filters import ChallengeFilter, CheckedBBoxFilter, ConcernFilter
from civic.api.pagination import StrictPageSizeMixin
from civic.api.periods import PERIOD_PARAM, requested_period
from civic.api.permissions import ConcernPermission, IsOfficer, IsOfficerOrReadOnly
from civic.challenge_parts import stages_for
from civic.evidence import evidence_freshness
from civic.grouping import grouping_suggestions
from civic.models import Area, Challenge, Concern, Evidence, EvidencePeriod, Theme
from civic.periods import period_as_dict

BBOX_PARAM = OpenApiParameter("in_bbox", str, description="min_lon,min_lat,max_lon,max_lat (WGS84)")


class FeaturePagination(StrictPageSizeMixin, GeoJsonPagination):
    """A page of features as a GeoJSON FeatureCollection with count, next and previous."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        # rest_framework_gis renames "results" to "features" but still requires "results".
        paginated["required"] = ["type", "count", "next", "previous", "features"]
        return paginated


class PeriodFeaturePagination(FeaturePagination):
    """A page of features whose figures describe one period, named next to the features.

    The view puts the period on the request (request.evidence_period).
    """

    def get_paginated_response(self, data):
        response = super().get_paginated_response(data)
        period = getattr(self.request, "evidence_period", None)
        response.data["period"] = period_as_dict(period) if period else None
        return response

    def get_paginated_response_schema(self, schema):
        paginated = super().get_paginated_response_schema(schema)
        paginated["properties"]["period"] = {
            "type": "object",
            "nullable": True,
            "description": "The period the figures describe; null when no period has data.",
            "properties": {
                "key": {"type": "string"},
                "kind": {"type": "string", "enum": list(EvidencePeriod.Kind.values)},
                "start": {"type": "string", "format": "date"},
                "end": {"type": "string", "format": "date"},
                "label": {"type": "string"},
            },
            "required": ["key", "kind", "start", "end", "label"],
        }
        paginated["required"] = [*paginated["required"], "period"]
        return paginated


class ThemeViewSet(viewsets.ReadOnlyModelViewSet):
    """Themes of concern (heat, flooding, ...)."""

    queryset = Theme.objects.filter(is_active=True)
    serializer_class = s.ThemeSerializer
    permission_classes = [AllowAny]
    pagination_class = None
    lookup_field = "slug"


class AreaViewSet(viewsets.ReadOnlyModelViewSet):
    """Municipality, districts and neighbourhoods with their statistics."""

    queryset = Area.objects.select_related("parent")
    serializer_class = s.AreaSerializer
    permission_classes = [AllowAny]
    pagination_class = FeaturePagination
    filterset_fields = ["kind", "code"]


def transition_from_request(request, obj) -> None:
    """Move `obj` as the request asks (`to`, `note`, the fields the move sets)."""
    data = s.transition_input_serializer(type(obj))(data=request.data)
    data.is_valid(raise_exception=True)
    values = dict(data.validated_data)
    target, note = values.pop("to"), values.pop("note")
    # A field sent empty counts as not sent: the engine then names it if the move needs it.
    changes = {name: value for name, value in values.items() if value not in (None, "")}
    workflow.transition(obj, target, actor=request.user, note=note, changes=changes)


@extend_schema_view(list=extend_schema(parameters=[BBOX_PARAM]))
class ConcernViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Concerns as GeoJSON; the public sees published ones without their author."""

    permission_classes = [ConcernPermission]
    pagination_class = FeaturePagination
    filter_backends = [DjangoFilterBackend, CheckedBBoxFilter]
    filterset_class = ConcernFilter
    bbox_filter_field = "location"
    bbox_filter_include_overlapping = True
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.concerns_visible_to(user=self.request.user)

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return s.ConcernInputSerializer
        if self.action == "retrieve":
            return s.ConcernDetailSerializer
        return s.ConcernSerializer

    @extend_schema(request=s.ConcernInputSerializer, responses={201: s.ConcernDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = s.ConcernInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        concern = services.concern_create(author=request.user, **data.validated_data)
        out = s.ConcernDetailSerializer(concern, context={"request": request})
        return Response(out.data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.ConcernInputSerializer, responses=s.ConcernDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        concern = self.get_object()
        data = s.ConcernInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        fields = {k: v for k, v in data.validated_data.items() if k != "photo"}
        concern = services.concern_update(concern=concern, actor=request.user, **fields)
        return Response(s.ConcernDetailSerializer(concern, context={"request": request}).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        request=s.transition_input_serializer(Concern), responses=s.ConcernDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the concern to another state (publish, reject, close, ...)."""
        concern = self.get_object()
        transition_from_request(request, concern)
        concern.refresh_from_db()
        return Response(s.ConcernDetailSerializer(concern, context={"request": request}).data)


class ChallengeViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Challenges with their linked (public) concerns, evidence and stage; officers write."""

    permission_classes = [IsOfficerOrReadOnly]
    pagination_class = FeaturePagination
    filterset_class = ChallengeFilter
    serializer_class = s.ChallengeSerializer
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation (also in `check --deploy`) must not query the database.
            return Challenge.objects.none()
        shown = (
            Evidence.objects.filter(selectors.evidence_in_period(self.period))
            .select_related("period")
            .order_by("source", "name")
        )
        return selectors.challenges_visible_to(user=self.request.user).prefetch_related(
            Prefetch("concerns", queryset=Concern.objects.only("id", "status")),
            Prefetch("evidence", queryset=shown, to_attr="shown_evidence"),
        )

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Checked before anything else is read, so a bad ?period= is a 400 naming it.
        self.period = requested_period(request)

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["period"] = getattr(self, "period", None)
        return context

    def get_serializer(self, *args, **kwargs):
        instances = args[0] if args else None
        if instances is not None and not getattr(self, "swagger_fake_view", False):
            many = isinstance(instances, list | tuple) or hasattr(instances, "model")
            ids = [c.pk for c in instances] if many else [instances.pk]
            # Freshness for the whole page at once (three queries), not per challenge.
            kwargs.setdefault("context", self.get_serializer_context())
            kwargs["context"]["freshness"] = evidence_freshness(
                subject_kind="challenge", subject_ids=ids, period=self.period
            )
            kwargs["context"]["stages"] = stages_for(list(instances) if many else [instances])
        return super().get_serializer(*args, **kwargs)

    @extend_schema(parameters=[PERIOD_PARAM])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(parameters=[PERIOD_PARAM])
    def retrieve(self, request, *args, **kwargs):
        return super().retrieve(request, *args, **kwargs)

    @extend_schema(request=s.ChallengeInputSerializer, responses={201: s.ChallengeSerializer})
    def create(self, request, *args, **kwargs):
        data = s.ChallengeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        challenge = services.challenge_create(actor=request.user, **data.validated_data)
        challenge = self.get_queryset().get(pk=challenge.pk)
        return Response(self.get_serializer(challenge).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=s.ChallengeInputSerializer,
        responses=s.ChallengeSerializer,
        parameters=[PERIOD_PARAM],
    )
    def partial_update(self, request, *args, **kwargs):
        """Change a challenge's title, description, theme, area or geometry (officers)."""
        challenge = self.get_object()
        data = s.ChallengeInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.challenge_update(challenge=challenge, actor=request.user, **data.validated_data)
        return Response(self.get_serializer(self.get_queryset().get(pk=challenge.pk)).data)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        request=s.transition_input_serializer(Challenge), responses=s.ChallengeSerializer
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the challenge to another state (open, prioritise, close, ...)."""
        challenge = self.get_object()
        transition_from_request(request, challenge)
        return Response(self.get_serializer(self.get_queryset().get(pk=challenge.pk)).data)

    @extend_schema(request=s.LinkConcernsInputSerializer, responses=s.ChallengeSerializer)
    @action(detail=True, methods=["post"], url_path="link-concerns")
    def link_concerns(self, request, pk=None):
        """Link published concerns to this challenge (they become “linked”)."""
        challenge = self.get_object()
        data = s.LinkConcernsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ids = data.validated_data["concerns"]
        visible = selectors.concerns_visible_to(user=request.user)
        concerns = [get_object_or_404(visible, pk=pk) for pk in dict.fromkeys(ids)]
        services.challenge_link_concerns(challenge=challenge, concerns=concerns, actor=request.user)
        return Response(self.get_serializer(self.get_queryset().get(pk=challenge.pk)).data)

    @extend_schema(request=s.UnlinkConcernInputSerializer, responses=s.ChallengeSerializer)
    @action(detail=True, methods=["post"], url_path="unlink-concern")
    def unlink_concern(self, request, pk=None):
        """Unlink a concern, with a reason (audited; a concern left unlinked is published again)."""
        challenge = self.get_object()
        data = s.UnlinkConcernInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        concern = Concern.objects.filter(pk=data.validated_data["concern"]).first()
        if concern is None:
            raise DRFValidationError({"concern": [_("No such concern.")]})
        services.challenge_unlink_concern(
            challenge=challenge,
            concern=concern,
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=challenge.pk)).data)

    @extend_schema(filters=False, responses=s.TimelineEntrySerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def timeline(self, request, pk=None):
        """The challenge's public story, oldest first: concerns filed (counted), grouping,
        evidence, priority, proposals, consultation, decisions, works, measured effect.

        Visible as the challenge is; the entries are the same for every reader and name
        no one (no names, no resident's own words)."""
        # DRF's lookup: an id that is not a number is a 404 too, not a crash.
        challenge = generics.get_object_or_404(
            selectors.challenges_visible_to(user=request.user), pk=pk
        )
        entries = challenge_parts.timeline_of(challenge)
        return Response(
            s.TimelineEntrySerializer(entries, many=True, context={"request": request}).data
        )

    @extend_schema(
        filters=False,
        parameters=[
            OpenApiParameter("theme", str, description="Only suggestions of this theme (its slug).")
        ],
        responses=s.SuggestionsSerializer,
    )
    @action(detail=False, methods=["get"], permission_classes=[IsOfficer], pagination_class=None)
    def suggestions(self, request):
        """Grouping suggestions (officers): clusters of nearby concerns, likely duplicates."""
        slug = request.query_params.get("theme")
        theme = None
        if slug:
            theme = Theme.objects.filter(slug=slug, is_active=True).first()
            if theme is None:
                raise DRFValidationError({"theme": [_("No such theme.")]})
        found = grouping_suggestions(theme=theme)
        return Response(s.SuggestionsSerializer(found).data)


class _ImageOrJSONError(BaseContentNegotiation):
    """An image goes out whatever the client says it accepts (an <img> asks for image/*);
    an error is JSON, the view's one renderer."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ConcernPhotoView(APIView):
    """A concern's photo, under the concern's visibility, for a session or a token alike."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]
    permission_classes = [AllowAny]
    # An image on a page is not an API call: it does not count against a client's budget.
    throttle_classes: list = []
    renderer_classes = [JSONRenderer]
    content_negotiation_class = _ImageOrJSONError

    @extend_schema(
        summary="A concern's photo (JPEG, without metadata)",
        description="The address in a concern's `photo_url`. Everyone sees the photo of a "
        "published concern; before that only its author and officers do, signed in on the "
        "site or with `Authorization: Token …`.",
        responses={
            (200, "image/jpeg"): OpenApiTypes.BINARY,
            401: OpenApiResponse(description="The token is not valid"),
            (404, "application/json"): OpenApiResponse(
                response=OpenApiTypes.OBJECT,
                description="No such concern, not visible to the client, or no photo",
            ),
            # The address is a page URL (browsers load it in <img>): one whose id is
            # not a number never reaches this view and gets the site's 404 page.
            (404, "text/html"): OpenApiResponse(
                response=OpenApiTypes.STR, description="Not a concern's photo address"
            ),
        },
    )
    def get(self, request, pk: int):
        # The same rule as every list and page of concerns (one place decides).
        concern = get_object_or_404(selectors.concerns_visible_to(user=request.user), pk=pk)
        if not concern.photo:
            raise Http404
        response = FileResponse(concern.photo.open("rb"), content_type="image/jpeg")
        response["Cache-Control"] = "private, max-age=300"
        # Who may see it depends on the token as much as on the session cookie.
        patch_vary_headers(response, ["Authorization", "Cookie"])
        return response

"""Thin API views of interventions: validate, call a service or selector, answer."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response

from civic.api.parsers import FormParser, JSONParser, MultiPartParser
from civic.api.serializers import transition_input_serializer
from civic.api.views import FeaturePagination, transition_from_request
from civic.roles import is_staff_member
from interventions import selectors, services
from interventions.api import serializers as s
from interventions.models import Comment, Intervention


class SignedInToWrite(BasePermission):
    """Anyone reads what they may see; writing needs an account (services check the role)."""

    def has_permission(self, request, view) -> bool:
        return request.method in SAFE_METHODS or bool(
            request.user and request.user.is_authenticated
        )


class OfficersOnly(BasePermission):
    """The moderation side of comments: policy officers and administrators."""

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)


class InterventionFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Intervention.Status.choices)
    kind = django_filters.ChoiceFilter(choices=Intervention.Kind.choices)
    challenge = django_filters.NumberFilter(field_name="challenge_id")

    class Meta:
        model = Intervention
        fields = ["status", "kind", "challenge"]


class InterventionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Proposals for challenges, their consultation (supports, comments) and council decisions."""

    permission_classes = [SignedInToWrite]
    pagination_class = FeaturePagination
    filterset_class = InterventionFilter
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Intervention.objects.none()
        return selectors.interventions_visible_to(user=self.request.user)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return s.InterventionDetailSerializer
        return s.InterventionSerializer

    def _answer(self, intervention: Intervention, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=intervention.pk)
        data = s.InterventionDetailSerializer(fresh, context=self.get_serializer_context()).data
        return Response(data, status=code)

    @extend_schema(
        request=s.InterventionInputSerializer, responses={201: s.InterventionDetailSerializer}
    )
    def create(self, request, *args, **kwargs):
        """Propose an intervention: a resident's waits for review, an officer's is under review."""
        data = s.InterventionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        intervention = services.intervention_create(actor=request.user, **data.validated_data)
        return self._answer(intervention, status.HTTP_201_CREATED)

    @extend_schema(request=s.InterventionInputSerializer, responses=s.InterventionDetailSerializer)
    def partial_update(self, request, *args, **kwargs):
        """Edit a proposal: its resident proposer while proposed, officers until consultation."""
        intervention = self.get_object()
        data = s.InterventionInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        services.intervention_update(
            intervention=intervention, actor=request.user, **data.validated_data
        )
        return self._answer(intervention)

    def update(self, request, *args, **kwargs):
        return self.partial_update(request, *args, **kwargs)

    @extend_schema(
        request=transition_input_serializer(Intervention),
        responses=s.InterventionDetailSerializer,
    )
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the proposal (review, consultation, to the council, reopen, ...).

        Agreed, declined and deferred are reached only by recording a decision.
        """
        intervention = self.get_object()
        transition_from_request(request, intervention)
        return self._answer(intervention)

    @extend_schema(methods=["POST"], request=None, responses={201: s.SupportSerializer})
    @extend_schema(methods=["DELETE"], request=None, responses={200: s.SupportSerializer})
    @action(detail=True, methods=["post", "delete"])
    def support(self, request, pk=None):
        """Support the proposal (POST) or take your support back (DELETE) during consultation."""
        intervention = self.get_object()
        if request.method == "DELETE":
            services.support_remove(intervention=intervention, actor=request.user)
            code = status.HTTP_200_OK
        else:
            services.support_add(intervention=intervention, actor=request.user)
            code = status.HTTP_201_CREATED
        return Response(
            {
                "supported": request.method != "DELETE",
                "support_count": intervention.supports.count(),
            },
            status=code,
        )

    @extend_schema(methods=["GET"], request=None, responses=s.CommentSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.CommentInputSerializer, responses={201: s.CommentSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def comments(self, request, pk=None):
        """The consultation's comments (GET), or a new one (POST; officers answer officially)."""
        intervention = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = selectors.comments_of(intervention)
            return Response(s.CommentSerializer(rows, many=True, context=context).data)
        data = s.CommentInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reply_to = data.validated_data.get("reply_to")
        if reply_to is not None:
            reply_to = get_object_or_404(Comment, pk=reply_to, intervention=intervention)
        made = services.comment_create(
            intervention=intervention,
            actor=request.user,
            text=data.validated_data["text"],
            reply_to=reply_to,
        )
        return Response(
            s.CommentSerializer(made, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request=s.ImplementationInputSerializer, responses=s.InterventionDetailSerializer
    )
    @action(detail=True, methods=["post"])
    def implementation(self, request, pk=None):
        """Officers: progress and planned dates while agreed or going on; the start once begun."""
        intervention = self.get_object()
        data = s.ImplementationInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.implementation_update(
            intervention=intervention, actor=request.user, **data.validated_data
        )
        return self._answer(intervention)

    @extend_schema(methods=["GET"], request=None, responses=s.MilestoneSerializer(many=True))
    @extend_schema(
        methods=["POST"],
        request={
            "multipart/form-data": s.MilestoneInputSerializer,
            "application/json": s.MilestoneInputSerializer,
        },
        responses={201: s.MilestoneSerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        pagination_class=None,
        filterset_class=None,
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def milestones(self, request, pk=None):
        """The works' milestones (GET), or a new one (POST, officers; a photo loses its EXIF)."""
        intervention = self.get_object()
        context = self.get_serializer_context()
        if request.method == "GET":
            rows = selectors.milestones_of(intervention)
            return Response(s.MilestoneSerializer(rows, many=True, context=context).data)
        data = s.MilestoneInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.milestone_add(
            intervention=intervention, actor=request.user, **data.validated_data
        )
        return Response(
            s.MilestoneSerializer(made, context=context).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        request={"multipart/form-data": s.ProgressFileSerializer},
        responses={
            200: s.ProgressFileResultSerializer,
            400: OpenApiResponse(
                description='A bad file: {"file": ["…"]}, or every bad row, nothing written: '
                '{"rows": ["Line 3, progress: …"]}.'
            ),
        },
    )
    @action(
        detail=False,
        methods=["post"],
        url_path="progress-file",
        permission_classes=[OfficersOnly],
        parser_classes=[MultiPartParser],
        pagination_class=None,
        filterset_class=None,
    )
    def progress_file(self, request):
        """Officers update many interventions from a CSV file: every row or none."""
        data = s.ProgressFileSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.progress_csv_apply(
            actor=request.user, content=data.validated_data["file"].read()
        )
        return Response({"updated": updated})

    @extend_schema(
        request=None,
        responses={
            200: s.ImpactEvaluationSerializer(many=True),
            404: OpenApiResponse(description="No intervention you may see has this id."),
        },
    )
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None)
    def evaluations(self, request, pk=None):
        """Every before/after evaluation run, newest first, one row per figure and run.

        Empty until the works are completed and a night after them has been measured, and
        for an intervention without a site (there is no place to measure around).
        """
        intervention = self.get_object()
        rows = selectors.evaluations_of(intervention)
        return Response(s.ImpactEvaluationSerializer(rows, many=True).data)

    @extend_schema(methods=["GET"], request=None, responses=s.DecisionSerializer(many=True))
    @extend_schema(
        methods=["POST"], request=s.DecisionInputSerializer, responses={201: s.DecisionSerializer}
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filterset_class=None)
    def decisions(self, request, pk=None):
        """The council's decisions on the record (GET), or a new one (POST, council members)."""
        intervention = self.get_object()
        if request.method == "GET":
            rows = selectors.decisions_of(intervention)
            return Response(s.DecisionSerializer(rows, many=True).data)
        data = s.DecisionInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decision = services.decision_record(
            intervention=intervention, actor=request.user, **data.validated_data
        )
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


class CommentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Comment.Status.choices)

    class Meta:
        model = Comment
        fields = ["status"]


class InterventionCommentViewSet(viewsets.GenericViewSet):
    """Reports on comments (residents) and their moderation (officers)."""

    permission_classes = [SignedInToWrite]
    queryset = Comment.objects.none()
    serializer_class = s.CommentSerializer

    def _comment(self, pk) -> Comment:
        visible = selectors.interventions_visible_to(user=self.request.user)
        return get_object_or_404(Comment, pk=pk, intervention__in=visible)

    @extend_schema(request=s.ReportInputSerializer, responses={201: s.ReportSerializer})
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        """Report a comment (spam, offensive, off-topic), once; enough reports hide it."""
        comment = self._comment(pk)
        data = s.ReportInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        made = services.comment_report(
            comment=comment, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(s.ReportSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=transition_input_serializer(Comment), responses=s.CommentSerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Officers restore ("visible") or remove a hidden comment, with a note for its author."""
        comment = self._comment(pk)
        transition_from_request(request, comment)
        comment.refresh_from_db()
        return Response(s.CommentSerializer(comment, context={"request": request}).data)


class ModerationQueueViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Officers: comments waiting for moderation (hidden after reports), oldest first."""

    permission_classes = [OfficersOnly]
    serializer_class = s.CommentSerializer
    pagination_class = None
    filterset_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Comment.objects.none()
        return selectors.moderation_queue()

"""API for building surveys: texts, questions, copies, workflow moves and invitation codes."""

from __future__ import annotations

import csv

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch, QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.views import APIView

from civic.api.pagination import StrictPageSizeMixin
from civic.api.parsers import JSONParser
from civic.api.permissions import IsOfficerOrReadOnly
from civic.api.serializers import transition_input_serializer
from civic.api.views import transition_from_request
from civic.roles import COUNCIL, is_staff_member, user_has_role
from surveys import services
from surveys.api import building_serializers as s
from surveys.models import Option, Question, Survey


def surveys_visible_to(*, user) -> QuerySet[Survey]:
    """Drafts are for officers (who build them) and council members (who read along)."""
    # Explicit order: Meta.ordering does not apply to the annotated (GROUP BY) query.
    queryset = (
        Survey.objects.order_by("-created_at", "-id")
        .select_related("area")
        .prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.select_related("theme").prefetch_related(
                    Prefetch("options", queryset=Option.objects.select_related("theme"))
                ),
            )
        )
    )
    if is_staff_member(user) or user_has_role(user, COUNCIL):
        return queryset.annotate(response_count=Count("responses"))
    return queryset.exclude(status=Survey.Status.DRAFT)


class SurveyFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=Survey.Status.choices)
    area = django_filters.CharFilter(field_name="area__code", help_text="Official area code")

    class Meta:
        model = Survey
        fields = ["status", "area"]


class SurveyPagination(StrictPageSizeMixin, PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class IsOfficer(BasePermission):
    """Policy officers and administrators only, also for reading."""

    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """The service's error with its field names as the API calls them."""
    return ValidationError({names.get(k, k): v for k, v in error.message_dict.items()})


class SurveyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Surveys: the public sees open, closed and archived ones; officers build and move them."""

    permission_classes = [IsOfficerOrReadOnly]
    serializer_class = s.SurveySerializer
    pagination_class = SurveyPagination
    filterset_class = SurveyFilter
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            # Schema generation (also in `check --deploy`) must not query the database.
            return Survey.objects.none()
        return surveys_visible_to(user=self.request.user)

    def _answer(self, survey: Survey, code: int = status.HTTP_200_OK) -> Response:
        fresh = self.get_queryset().get(pk=survey.pk)
        return Response(self.get_serializer(fresh).data, status=code)

    @extend_schema(request=s.SurveyInputSerializer, responses={201: s.SurveySerializer})
    def create(self, request, *args, **kwargs):
        """Start a draft survey (officers)."""
        data = s.SurveyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        survey = services.survey_create(actor=request.user, **data.validated_data)
        return self._answer(survey, status.HTTP_201_CREATED)

    @extend_schema(request=s.SurveyInputSerializer, responses=s.SurveySerializer)
    def partial_update(self, request, *args, **kwargs):
        """Change texts, dates or (before the first response) the area."""
        survey = self.get_object()
        data = s.SurveyInputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        survey = services.survey_update(actor=request.user, survey=survey, **data.validated_data)
        return self._answer(survey)

    @extend_schema(request=s.QuestionInputSerializer(many=True), responses=s.SurveySerializer)
    @action(detail=True, methods=["post"], parser_classes=[JSONParser])
    def questions(self, request, pk=None):
        """Replace all questions, in the order given; refused once there are responses."""
        survey = self.get_object()
        specs = s.question_specs_from(request.data)
        services.questions_replace(actor=request.user, survey=survey, questions=specs)
        return self._answer(survey)

    @extend_schema(request=None, responses={201: s.SurveySerializer})
    @action(detail=True, methods=["post"])
    def copy(self, request, pk=None):
        """A new draft with the same texts, area, questions and options."""
        copy = services.survey_copy(actor=request.user, survey=self.get_object())
        return self._answer(copy, status.HTTP_201_CREATED)

    @extend_schema(request=transition_input_serializer(Survey), responses=s.SurveySerializer)
    @action(detail=True, methods=["post"])
    def transition(self, request, pk=None):
        """Move the survey to another state (open, closed, archived)."""
        survey = self.get_object()
        transition_from_request(request, survey)
        return self._answer(survey)

    @extend_schema(
        request=s.InvitationsInputSerializer, responses={201: s.InvitationsBatchSerializer}
    )
    @action(detail=True, methods=["post"])
    def invitations(self, request, pk=None):
        """Make a batch of single-use codes for letters (officers); the answer lists them."""
        survey = self.get_object()
        data = s.InvitationsInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        neighbourhood = data.validated_data["neighbourhood"]
        batch = data.validated_data["batch"].strip()
        try:
            invitations = services.invitations_generate(
                actor=request.user,
                survey=survey,
                count=data.validated_data["count"],
                area=neighbourhood,
                batch=batch,
            )
        except ValidationError as error:
            raise _renamed(error, {"area": "neighbourhood"}) from None
        body = {
            "survey": survey.pk,
            "neighbourhood": neighbourhood.code if neighbourhood else None,
            "batch": batch,
            "count": len(invitations),
            "codes": [invitation.code for invitation in invitations],
        }
        return Response(body, status=status.HTTP_201_CREATED)


def invitations_csv(
    survey: Survey, *, batch: str = "", neighbourhood: str = "", unused_only: bool = False
) -> HttpResponse:
    """The survey's codes as CSV for a mail merge: code, neighbourhood, batch, used."""
    invitations = survey.invitations.select_related("area").order_by("batch", "area__code", "code")
    if batch:
        invitations = invitations.filter(batch=batch)
    if neighbourhood:
        invitations = invitations.filter(area__code=neighbourhood)
    if unused_only:
        invitations = invitations.filter(used_at__isnull=True)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-codes.csv"'
    writer = csv.writer(response)
    writer.writerow(["code", "neighbourhood_code", "neighbourhood", "batch", "used"])
    for invitation in invitations.iterator(chunk_size=2000):
        area = invitation.area
        writer.writerow(
            [
                invitation.code,
                area.code if area else "",
                area.name if area else "",
                invitation.batch,
                "yes" if invitation.used_at else "no",
            ]
        )
    return response


def _flag(request, name: str) -> bool:
    """A yes/no query parameter; anything but the usual spellings is a 400 naming it."""
    value = (request.query_params.get(name) or "").strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"", "0", "false", "no", "off"}:
        return False
    raise DRFValidationError({name: [_("Give true or false.")]})


class InvitationsCsvView(APIView):
    """A survey's invitation codes as CSV, for printing letters (officers)."""

    permission_classes = [IsOfficer]

    @extend_schema(
        operation_id="v1_surveys_invitations_csv",
        parameters=[
            OpenApiParameter("batch", str, description="Only this batch (empty: every batch)"),
            OpenApiParameter("neighbourhood", str, description="Only this neighbourhood (code)"),
            OpenApiParameter("unused", bool, description="true: only codes not used yet"),
        ],
        responses={(200, "text/csv"): OpenApiTypes.STR},
    )
    def get(self, request, pk: int):
        survey = get_object_or_404(Survey, pk=pk)
        batch = request.query_params.get("batch", "").strip()
        neighbourhood = request.query_params.get("neighbourhood", "").strip()
        # A NUL in either never gets here: civic.middleware refuses it with a 400.
        return invitations_csv(
            survey,
            batch=batch,
            neighbourhood=neighbourhood,
            unused_only=_flag(request, "unused"),
        )

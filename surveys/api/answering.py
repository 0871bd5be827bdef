"""API views for answering a survey: submit (or change) a response, read one's own."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from civic.api.parsers import JSONParser
from civic.api.throttling import AnonRateThrottle
from civic.clients import client_ip
from surveys import answering, selectors
from surveys.api.answering_serializers import ResponseInputSerializer, ResponseSerializer
from surveys.models import Survey


class AnonymousAnswerThrottle(AnonRateThrottle):
    """Answers without an account, per client address; fails open like the core's throttles.

    The rate is DEFAULT_THROTTLE_RATES["survey_answer"] when the settings name
    it, else DEFAULT_RATE: enough for a household typing several letters' codes.
    """

    scope = "survey_answer"
    DEFAULT_RATE = "30/hour"

    def get_rate(self) -> str:
        # Read at each request (not at import) so settings overrides apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope) or self.DEFAULT_RATE


def _survey(request, survey_id: int) -> Survey:
    # A draft is 404 to everyone but officers, so its existence is not revealed.
    return get_object_or_404(selectors.surveys_visible_to(user=request.user), pk=survey_id)


ERRORS_400 = OpenApiResponse(
    description='Bad input, by field: {"answers": {"<question id>": ["…"]}} for answers, '
    '"code" (missing, unknown or used), "survey" (not open), "neighbourhood", or another field.'
)


class ResponseSubmitView(APIView):
    """Answer a survey: signed in (changeable until it closes) or with an invitation code."""

    permission_classes = [AllowAny]
    throttle_classes = [AnonymousAnswerThrottle]
    parser_classes = [JSONParser]

    @extend_schema(
        operation_id="surveys_responses_create",
        request=ResponseInputSerializer,
        responses={
            201: OpenApiResponse(ResponseSerializer, description="The first response."),
            200: OpenApiResponse(ResponseSerializer, description="A resident changed theirs."),
            400: ERRORS_400,
            404: OpenApiResponse(description="No such survey (or a draft)."),
            429: OpenApiResponse(description="Too many answers without an account."),
        },
    )
    def post(self, request, survey_id: int):
        survey = _survey(request, survey_id)
        data = ResponseInputSerializer(
            data=request.data, context={"request": request, "survey": survey}
        )
        data.is_valid(raise_exception=True)
        given = data.validated_data
        signed_in = request.user.is_authenticated
        changed = signed_in and selectors.resident_has_answered(survey=survey, user=request.user)
        try:
            response = answering.response_submit(
                survey=survey,
                answers=given["answers"],
                respondent=request.user if signed_in else None,
                code=given.get("code") or None,
                area=given.get("neighbourhood"),
                consent_publish=given["consent_publish"],
                # Only anonymous answers keep a (hashed) address, to spot floods.
                client_ip=None if signed_in else client_ip(request),
            )
        except answering.AnswersRejected as rejected:
            raise ValidationError({"answers": rejected.problems}) from rejected
        except DjangoValidationError as error:
            problems = dict(error.message_dict)
            # The service's "area" is this API's "neighbourhood".
            if "area" in problems:
                problems["neighbourhood"] = problems.pop("area")
            raise ValidationError(problems) from error
        out = ResponseSerializer(
            selectors.response_with_answers(pk=response.pk), context={"request": request}
        )
        return Response(out.data, status=status.HTTP_200_OK if changed else status.HTTP_201_CREATED)


class MyResponseView(APIView):
    """The signed-in resident's own answers to a survey, for an app to prefill its form."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="surveys_my_response_retrieve",
        responses={
            200: ResponseSerializer,
            404: OpenApiResponse(description="No such survey, or no response from you."),
        },
    )
    def get(self, request, survey_id: int):
        survey = _survey(request, survey_id)
        response = selectors.response_of_resident(survey=survey, user=request.user)
        if response is None:
            raise NotFound(_("You have not answered this survey."))
        return Response(ResponseSerializer(response, context={"request": request}).data)

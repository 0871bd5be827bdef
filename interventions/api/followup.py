"""The follow-up in the API: the published answers per intervention, and answering.

GET /interventions/{pk}/followup/ gives the counts as interventions.followup_results
publishes them (none below 5 answers). An answer comes either from the signed-in
person asked (POST there) or with the e-mail link's token (POST /followup-answers/,
no account needed): 201 once, 409 a second time, 410 once closed, 403 for someone
else's question, 400 naming the field.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, NotFound, PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from interventions import selectors, services
from interventions.api.views import SignedInToWrite
from interventions.followup_results import MIN_ANSWERS, followup_results
from interventions.models import FollowUp
from interventions.services.followup import COMMENT_MAX


class FollowUpResultsSerializer(serializers.Serializer):
    """What residents answered, as published: the counts are null below the minimum."""

    asked = serializers.IntegerField(help_text="How many residents were asked.")
    suppressed = serializers.BooleanField(
        help_text=f"True while fewer than {MIN_ANSWERS} answered: no counts are given then."
    )
    minimum_answers = serializers.IntegerField(
        help_text="The number of answers from which counts are published."
    )
    answered = serializers.IntegerField(allow_null=True)
    yes = serializers.IntegerField(allow_null=True)
    no = serializers.IntegerField(allow_null=True)
    not_sure = serializers.IntegerField(allow_null=True)
    summary = serializers.CharField(help_text="The figures in words, in the reader's language.")


class FollowUpAnswerInputSerializer(serializers.Serializer):
    answer = serializers.ChoiceField(choices=FollowUp.Answer.choices)
    comment = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=COMMENT_MAX,
        help_text="Optional; read by officers only, never published.",
    )


class FollowUpTokenAnswerInputSerializer(FollowUpAnswerInputSerializer):
    token = serializers.CharField(
        max_length=100, help_text="The token of the link in the follow-up e-mail."
    )


class FollowUpAnswerSerializer(serializers.ModelSerializer):
    """The answer as recorded, shown to the person who gave it."""

    class Meta:
        model = FollowUp
        fields = ["intervention", "answer", "comment", "answered_at"]
        read_only_fields = fields


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("This question was answered already; an answer is given once.")


class Gone(APIException):
    status_code = status.HTTP_410_GONE
    default_detail = _("This question is closed; answers are no longer taken.")


def _answer(followup: FollowUp, user, data: dict) -> Response:
    """Record it, or answer the refusal with its own status (nothing is written then)."""
    try:
        made = services.followup_answer(
            followup=followup, user=user, answer=data["answer"], comment=data.get("comment", "")
        )
    except services.FollowUpAnswered as refusal:
        raise Conflict(refusal.message) from None
    except services.FollowUpClosed as refusal:
        raise Gone(refusal.message) from None
    except DjangoPermissionDenied as error:
        raise PermissionDenied(str(error)) from None
    return Response(FollowUpAnswerSerializer(made).data, status=status.HTTP_201_CREATED)


REFUSALS = {
    409: OpenApiResponse(description="This question was answered already (a link works once)."),
    410: OpenApiResponse(description="The question is closed: answers are no longer taken."),
}


class InterventionFollowUpView(APIView):
    """Residents' answers to "did it help?" for completed works (GET), or your answer (POST)."""

    permission_classes = [SignedInToWrite]

    def _intervention(self, request, pk: int):
        return get_object_or_404(selectors.interventions_visible_to(user=request.user), pk=pk)

    @extend_schema(responses=FollowUpResultsSerializer)
    def get(self, request, pk: int):
        """The published answers: yes / no / not sure, counted once at least 5 answered."""
        intervention = self._intervention(request, pk)
        return Response(FollowUpResultsSerializer(followup_results(intervention.pk).public()).data)

    @extend_schema(
        request=FollowUpAnswerInputSerializer,
        responses={
            201: FollowUpAnswerSerializer,
            403: OpenApiResponse(description="You were not asked about this intervention."),
            **REFUSALS,
        },
    )
    def post(self, request, pk: int):
        """Answer the question you were asked about these works, once."""
        intervention = self._intervention(request, pk)
        data = FollowUpAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        followup = services.followup_of(intervention=intervention, user=request.user)
        if followup is None:
            raise PermissionDenied(_("You were not asked about this intervention."))
        return _answer(followup, request.user, data.validated_data)


class FollowUpTokenAnswerView(APIView):
    """Answer "did it help?" with the token of the e-mail's link, without an account."""

    permission_classes = [AllowAny]

    @extend_schema(
        request=FollowUpTokenAnswerInputSerializer,
        responses={
            201: FollowUpAnswerSerializer,
            403: OpenApiResponse(
                description="Someone else is signed in: the link's question is not theirs."
            ),
            404: OpenApiResponse(description="No question has this token."),
            **REFUSALS,
        },
    )
    def post(self, request):
        """Record the answer of the person the link was sent to, once."""
        data = FollowUpTokenAnswerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            followup = services.followup_by_token(data.validated_data["token"])
        except services.FollowUpUnknown as refusal:
            raise NotFound(refusal.message) from None
        return _answer(followup, request.user, data.validated_data)

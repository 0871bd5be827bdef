"""Read-side queries of the surveys app, each aware of who is asking."""

from __future__ import annotations

from datetime import datetime

from django.contrib.gis.db.models.functions import PointOnSurface
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from civic.models import Area, Challenge, User
from civic.models.concerns import PUBLIC_CONCERN_STATUSES
from civic.roles import is_staff_member
from surveys.models import Answer, Question, Response, Survey


def surveys_visible_to(*, user) -> QuerySet[Survey]:
    """Every survey for officers; others do not see drafts (officers preview those)."""
    queryset = Survey.objects.select_related("area")
    if is_staff_member(user):
        return queryset
    return queryset.exclude(status=Survey.Status.DRAFT)


def surveys_accepting(*, now: datetime | None = None) -> QuerySet[Survey]:
    """Surveys taking answers now (Survey.is_accepting in SQL), closing soonest first."""
    now = now or timezone.now()
    return (
        Survey.objects.filter(status=Survey.Status.OPEN)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .select_related("area")
        .order_by(F("closes_at").asc(nulls_last=True), "-opens_at", "-id")
    )


def surveys_with_public_results() -> QuerySet[Survey]:
    """Closed and archived surveys: their results are public (surveys.results)."""
    return (
        Survey.objects.filter(status__in=[Survey.Status.CLOSED, Survey.Status.ARCHIVED])
        .select_related("area")
        .order_by("-closes_at", "-id")
    )


def survey_questions(*, survey: Survey) -> list[Question]:
    """The survey's questions in order, each with its options in order (two queries)."""
    return list(survey.questions.prefetch_related("options").order_by("position"))


def survey_neighbourhoods(*, survey: Survey) -> QuerySet[Area]:
    """Neighbourhoods in the survey's area, by the test the service applies to a chosen one."""
    return (
        Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD)
        .annotate(inner_point=PointOnSurface("geometry"))
        .filter(inner_point__coveredby=survey.area.geometry)
        .only("id", "code", "name")
        .order_by("name", "code")
    )


def _responses_with_answers() -> QuerySet[Response]:
    return Response.objects.select_related("area").prefetch_related(
        Prefetch("answers", queryset=Answer.objects.select_related("question"))
    )


def response_with_answers(*, pk: int) -> Response:
    """One response with its neighbourhood and answers (with their questions)."""
    return _responses_with_answers().get(pk=pk)


def response_of_resident(*, survey: Survey, user) -> Response | None:
    """The signed-in user's response to the survey with its answers, or None."""
    if user is None or not user.is_authenticated:
        return None
    return _responses_with_answers().filter(survey=survey, respondent=user).first()


def resident_has_answered(*, survey: Survey, user) -> bool:
    return bool(user is not None and user.is_authenticated) and (
        Response.objects.filter(survey=survey, respondent=user).exists()
    )


def responses_of_resident(*, user) -> QuerySet[Response]:
    """The user's own responses, newest change first, with their surveys."""
    return (
        Response.objects.filter(respondent=user)
        .select_related("survey", "survey__area")
        .order_by("-updated_at", "-id")
    )


def area_covers(*, area: Area, geometry) -> bool:
    """Whether the area covers the geometry (a map answer, a neighbourhood's inner point)."""
    return Area.objects.filter(pk=area.pk, geometry__covers=geometry).exists()


def respondents_of_challenge(challenge: Challenge) -> QuerySet[User]:
    """Signed-in respondents whose consented map point became a public concern of the challenge.

    Their stake in the challenge (civic.challenge_parts); an anonymous answer
    (an invitation code) names nobody, and without consent no concern was made.
    """
    # One filter(): the consent, the answer's concern and its link are one joined row.
    return User.objects.filter(
        is_active=True,
        survey_responses__consent_publish=True,
        survey_responses__answers__concern__challenges=challenge,
        survey_responses__answers__concern__status__in=PUBLIC_CONCERN_STATUSES,
    ).distinct()

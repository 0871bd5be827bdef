"""Pages for answering surveys: the open surveys, a survey's form and the thank-you page."""

from __future__ import annotations

import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from civic.clients import client_ip
from surveys import answering, selectors
from surveys.api.answering import AnonymousAnswerThrottle
from surveys.forms import SurveyAnswerForm, initial_from_response
from surveys.models import Question, Response, Survey


def index(request):
    """The surveys taking answers now and, for a signed-in resident, the ones they answered."""
    answered = []
    if request.user.is_authenticated:
        answered = list(selectors.responses_of_resident(user=request.user))
    return render(
        request,
        "surveys/index.html",
        {
            "surveys": list(selectors.surveys_accepting()),
            "finished": list(selectors.surveys_with_public_results()[:20]),
            "answered": answered,
            "answered_ids": {response.survey_id for response in answered},
        },
    )


def _thanks_key(survey: Survey) -> str:
    return f"surveys:thanks:{survey.pk}"


def _has_publishable_points(questions: list[Question]) -> bool:
    # Only map points of a question with a theme become concerns (see response_submit).
    return any(q.kind == Question.Kind.MAP_POINT and q.theme_id for q in questions)


def _submit(request, survey: Survey, form: SurveyAnswerForm, signed_in: bool) -> Response | None:
    """Store the response, or put every problem on the form (then nothing is stored)."""
    if not form.is_valid():
        # Show every problem at once: also check the answers that did parse.
        try:
            answering.answers_clean(survey=survey, answers=form.answers())
        except answering.AnswersRejected as rejected:
            form.add_answer_problems(rejected.problems)
        form.add_answer_problems(form.comment_without_point())
        return None
    if problems := form.comment_without_point():
        form.add_answer_problems(problems)
        return None
    data = form.cleaned_data
    try:
        return answering.response_submit(
            survey=survey,
            answers=form.answers(),
            respondent=request.user if signed_in else None,
            code=data.get("code") or None,
            area=data.get("neighbourhood"),
            consent_publish=bool(data.get("consent_publish")),
            # Only anonymous answers keep a (hashed) address, to spot floods.
            client_ip=None if signed_in else client_ip(request),
        )
    except answering.AnswersRejected as rejected:
        form.add_answer_problems(rejected.problems)
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            target = {"area": "neighbourhood"}.get(name, name)
            for message in messages:
                form.add_error(target if target in form.fields else None, message)
    return None


def answer(request, pk: int):
    """A survey's questions as a form; a resident may change their answers until it closes."""
    survey = get_object_or_404(selectors.surveys_visible_to(user=request.user), pk=pk)
    signed_in = request.user.is_authenticated
    questions = selectors.survey_questions(survey=survey)
    mine = selectors.response_of_resident(survey=survey, user=request.user)
    now = timezone.now()
    accepting = survey.is_accepting(now)
    context = {
        "survey": survey,
        "accepting": accepting,
        "preview": survey.status == Survey.Status.DRAFT,
        "mine": mine,
        "signed_in": signed_in,
        "tiles_url": settings.CIVIC_TILES_URL,
        "area_geojson": json.loads(survey.area.geometry.json),
        "not_yet_open": survey.status == Survey.Status.OPEN
        and survey.opens_at is not None
        and now < survey.opens_at,
    }
    posted = request.method == "POST"
    context["posted"] = posted
    if not accepting and not context["preview"]:
        # Closed, archived or not yet open: a message, no form.
        return render(request, "surveys/answer.html", context, status=400 if posted else 200)

    form = SurveyAnswerForm(
        request.POST if posted and accepting else None,
        initial=initial_from_response(mine) if mine else None,
        questions=questions,
        neighbourhoods=selectors.survey_neighbourhoods(survey=survey),
        with_code=not signed_in,
        with_consent=_has_publishable_points(questions),
    )
    context["form"] = form
    if posted and accepting:
        if not signed_in and not AnonymousAnswerThrottle().allow_request(request, None):
            context["throttled"] = True
            return render(request, "surveys/answer.html", context, status=429)
        response = _submit(request, survey, form, signed_in)
        if response is not None:
            answers = list(response.answers.all())
            request.session[_thanks_key(survey)] = {
                "changed": mine is not None,
                "points": sum(1 for a in answers if a.point is not None),
                "areas": sum(1 for a in answers if a.polygon is not None),
                "published": sum(1 for a in answers if a.concern_id),
                "consent": response.consent_publish,
            }
            return redirect("surveys:answer_thanks", pk=survey.pk)
    context["blocks"] = form.blocks()
    status = 400 if posted else 200
    return render(request, "surveys/answer.html", context, status=status)


def answer_thanks(request, pk: int):
    """After answering: thanks, and what happens with the map answers."""
    survey = get_object_or_404(selectors.surveys_visible_to(user=request.user), pk=pk)
    return render(
        request,
        "surveys/answer_thanks.html",
        {
            "survey": survey,
            "outcome": request.session.get(_thanks_key(survey)),
            "accepting": survey.is_accepting(),
            "signed_in": request.user.is_authenticated,
        },
    )

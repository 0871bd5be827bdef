"""Answering a survey: every kind of answer, one response each, codes, map answers as concerns."""

import pytest
from django.contrib.gis.geos import Polygon
from django.core.exceptions import ValidationError

from civic.models import Concern
from civic.selectors import history_of
from civic.workflow import transition
from surveys import answering, services
from surveys.models import Question, Response
from tests.factories import CENTRE

from .conftest import K, inside


def full(q, heat_option=None):
    first = list(q[K.SINGLE_CHOICE].options.all())
    ranking = [o.pk for o in q[K.RANKING].options.all()]
    return {
        q[K.SHORT_TEXT].pk: "Dobbestraat",
        q[K.LONG_TEXT].pk: "Het is hier 's nachts warm.",
        q[K.SINGLE_CHOICE].pk: (heat_option or first[0]).pk,
        q[K.MULTIPLE_CHOICE].pk: [o.pk for o in q[K.MULTIPLE_CHOICE].options.all()][:2],
        q[K.LIKERT].pk: 2,
        q[K.NUMBER].pk: 120,
        q[K.MAP_POINT].pk: {"point": inside(0.001), "text": "Plein zonder bomen"},
        q[K.MAP_AREA].pk: Polygon.from_bbox(
            (CENTRE[0], CENTRE[1], CENTRE[0] + 0.002, CENTRE[1] + 0.002)
        ),
        q[K.RANKING].pk: list(reversed(ranking)),
    }


def test_a_resident_answers_every_kind_and_a_consented_map_point_becomes_a_concern(
    survey, q, resident
):
    response = answering.response_submit(
        survey=survey, answers=full(q), respondent=resident, consent_publish=True
    )

    answers = {a.question.kind: a for a in response.answers.select_related("question")}
    assert len(answers) == 9
    assert answers[K.NUMBER].number == 120
    assert answers[K.LIKERT].number == 2
    assert answers[K.RANKING].options == list(reversed([o.pk for o in q[K.RANKING].options.all()]))
    concern = answers[K.MAP_POINT].concern
    assert concern.source == Concern.Source.SURVEY
    assert concern.status == Concern.Status.SUBMITTED  # enters moderation like any other
    assert concern.theme.slug == "heat"
    assert concern.author == resident
    assert concern.description.startswith("Plein zonder bomen")
    assert response.area.code == "BU01930001"  # the neighbourhood of the map point


def test_without_consent_no_concern_is_made(survey, q, resident):
    answering.response_submit(survey=survey, answers=full(q), respondent=resident)

    assert not Concern.objects.exists()


def test_a_resident_changes_their_answers_and_keeps_one_response(survey, q, resident):
    answering.response_submit(
        survey=survey, answers=full(q), respondent=resident, consent_publish=True
    )
    again = full(q)
    again[q[K.NUMBER].pk] = 3

    answering.response_submit(
        survey=survey, answers=again, respondent=resident, consent_publish=True
    )

    assert Response.objects.count() == 1
    assert Response.objects.get().answers.get(question=q[K.NUMBER]).number == 3
    assert Concern.objects.count() == 1  # the unchanged point keeps its concern


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (K.SINGLE_CHOICE, 999999, "This option does not exist."),
        (K.MULTIPLE_CHOICE, "x", "Choose by option id."),
        (K.LIKERT, 6, "Choose 1 to 5."),
        (K.NUMBER, 501, "Give a number from 0 to 500."),
        (K.NUMBER, float("nan"), "Give a number."),
        (K.SHORT_TEXT, "x" * 201, "Use at most 200 characters."),
        (K.MAP_POINT, {"point": inside(0.2)}, "This point lies outside the survey's area."),
        (K.RANKING, [], None),  # an empty ranking is no answer: fine, not required
    ],
)
def test_a_bad_answer_names_its_question_and_nothing_is_stored(
    survey, q, resident, kind, value, message
):
    answers = full(q)
    answers[q[kind].pk] = value
    if message is None:
        answering.response_submit(survey=survey, answers=answers, respondent=resident)
        return

    with pytest.raises(answering.AnswersRejected) as caught:
        answering.response_submit(survey=survey, answers=answers, respondent=resident)

    assert caught.value.problems == {str(q[kind].pk): [message]}
    assert not Response.objects.exists()


def test_a_missing_required_answer_is_named(survey, q, resident):
    answers = full(q)
    del answers[q[K.SINGLE_CHOICE].pk]

    with pytest.raises(answering.AnswersRejected) as caught:
        answering.response_submit(survey=survey, answers=answers, respondent=resident)

    assert caught.value.problems == {str(q[K.SINGLE_CHOICE].pk): ["Answer this question."]}


def test_a_draft_survey_takes_no_answers(draft_survey, resident):
    with pytest.raises(ValidationError, match="not open"):
        answering.response_submit(survey=draft_survey, answers={}, respondent=resident)


def test_a_code_answers_once_and_stores_no_ip(survey, q, officer, neighbourhood):
    (invitation,) = services.invitations_generate(
        actor=officer, survey=survey, count=1, area=neighbourhood, batch="brief 1"
    )
    typed = invitation.code.lower()[:4] + "-" + invitation.code.lower()[4:]

    response = answering.response_submit(
        survey=survey, answers=full(q), code=typed, client_ip="203.0.113.7", consent_publish=True
    )

    assert response.area == neighbourhood
    assert "203.0.113.7" not in response.client_hash and len(response.client_hash) == 64
    assert response.answers.get(question=q[K.MAP_POINT]).concern.author is None
    with pytest.raises(ValidationError, match="used already"):
        answering.response_submit(survey=survey, answers=full(q), code=invitation.code)
    with pytest.raises(ValidationError, match="not valid"):
        answering.response_submit(survey=survey, answers=full(q), code="NOPE2345")


def test_questions_are_frozen_once_answered_and_a_copy_can_change(survey, q, resident, officer):
    answering.response_submit(survey=survey, answers=full(q), respondent=resident)

    with pytest.raises(ValidationError, match="copy it"):
        services.questions_replace(actor=officer, survey=survey, questions=[])
    copy = services.survey_copy(actor=officer, survey=survey)

    assert copy.status == "draft" and copy.copied_from == survey
    assert [x.kind for x in copy.questions.all()] == [x.kind for x in survey.questions.all()]
    assert copy.questions.get(kind=Question.Kind.RANKING).options.count() == 3
    services.questions_replace(actor=officer, survey=copy, questions=[])
    assert not copy.questions.exists()


def test_a_moved_point_withdraws_its_unmoderated_concern_and_files_a_new_one(survey, q, resident):
    answering.response_submit(
        survey=survey, answers=full(q), respondent=resident, consent_publish=True
    )
    first = Concern.objects.get()
    moved = full(q)
    moved[q[K.MAP_POINT].pk] = {"point": inside(-0.002), "text": "Elders"}

    answering.response_submit(
        survey=survey, answers=moved, respondent=resident, consent_publish=True
    )

    first.refresh_from_db()
    assert first.status == Concern.Status.WITHDRAWN
    assert history_of(first).last().actor == resident
    assert Concern.objects.filter(status=Concern.Status.SUBMITTED).count() == 1
    assert not first.is_public


def test_taking_consent_back_withdraws_the_concern_before_moderation(survey, q, resident):
    answering.response_submit(
        survey=survey, answers=full(q), respondent=resident, consent_publish=True
    )

    answering.response_submit(survey=survey, answers=full(q), respondent=resident)

    assert Concern.objects.get().status == Concern.Status.WITHDRAWN


def test_a_published_concern_stays_when_the_point_moves(survey, q, resident, officer):
    answering.response_submit(
        survey=survey, answers=full(q), respondent=resident, consent_publish=True
    )
    published = Concern.objects.get()
    transition(published, Concern.Status.PUBLISHED, actor=officer)
    moved = full(q)
    moved[q[K.MAP_POINT].pk] = {"point": inside(-0.002)}

    answering.response_submit(
        survey=survey, answers=moved, respondent=resident, consent_publish=True
    )

    published.refresh_from_db()
    assert published.status == Concern.Status.PUBLISHED
    assert Concern.objects.count() == 2

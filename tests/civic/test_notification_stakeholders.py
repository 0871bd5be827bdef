"""Who hears of a challenge's steps: authors of its concerns, respondents who consented."""

import pytest
from django.contrib.gis.geos import Point

from civic import services
from civic.challenge_parts import stakeholders_of
from civic.models import Challenge, Concern, Notification, User
from civic.workflow import transition
from surveys import answering
from surveys import services as survey_services
from surveys.models import Question, Response, Survey
from surveys.selectors import respondents_of_challenge
from surveys.services import QuestionSpec
from tests.factories import CENTRE, ChallengeFactory, ConcernFactory, ResidentFactory

SPOT = Point(CENTRE[0] + 0.001, CENTRE[1] + 0.001, srid=4326)


@pytest.fixture
def survey(officer, municipality, heat):
    survey = survey_services.survey_create(actor=officer, title_nl="Hitte", area=municipality)
    survey_services.questions_replace(
        actor=officer,
        survey=survey,
        questions=[QuestionSpec(Question.Kind.MAP_POINT, "Waar is het te heet?", theme=heat)],
    )
    transition(survey, Survey.Status.OPEN, actor=officer)
    survey.refresh_from_db()
    return survey


def _answer(survey, *, respondent=None, code=None, consent=True) -> Response:
    question = survey.questions.get()
    return answering.response_submit(
        survey=survey,
        respondent=respondent,
        code=code,
        answers={question.pk: {"point": SPOT}},
        consent_publish=consent,
    )


def _concern_of(response: Response) -> Concern:
    return response.answers.get().concern


def _publish_and_link(concerns, challenge, officer):
    for concern in concerns:
        transition(concern, Concern.Status.PUBLISHED, actor=officer)
    services.challenge_link_concerns(challenge=challenge, concerns=concerns, actor=officer)


def test_a_signed_in_respondent_who_consented_has_a_stake(survey, officer, heat):
    respondent = ResidentFactory()
    challenge = ChallengeFactory(theme=heat, status=Challenge.Status.OPEN)
    _publish_and_link([_concern_of(_answer(survey, respondent=respondent))], challenge, officer)

    assert list(respondents_of_challenge(challenge)) == [respondent]
    assert respondent in stakeholders_of(challenge)


def test_without_consent_or_without_a_name_there_is_no_respondent_to_tell(survey, officer, heat):
    challenge = ChallengeFactory(theme=heat, status=Challenge.Status.OPEN)
    withdrawn = ResidentFactory()
    named = _answer(survey, respondent=withdrawn)
    [code] = survey_services.invitations_generate(actor=officer, survey=survey, count=1)
    anonymous = _answer(survey, code=code.code)
    _publish_and_link([_concern_of(named), _concern_of(anonymous)], challenge, officer)
    # The consent is what makes the answer's concern the respondent's stake.
    Response.objects.filter(pk=named.pk).update(consent_publish=False)

    assert list(respondents_of_challenge(challenge)) == []
    # The anonymous answer's concern has no author either: nobody is told about it.
    assert _concern_of(anonymous).author is None
    assert set(stakeholders_of(challenge)) == {withdrawn}  # the named one filed it: the author


def test_an_inactive_or_unlinked_respondent_has_no_stake(survey, officer, heat):
    challenge = ChallengeFactory(theme=heat, status=Challenge.Status.OPEN)
    other_challenge = ChallengeFactory(theme=heat, status=Challenge.Status.OPEN)
    gone, elsewhere = ResidentFactory(), ResidentFactory()
    _publish_and_link([_concern_of(_answer(survey, respondent=gone))], challenge, officer)
    _publish_and_link(
        [_concern_of(_answer(survey, respondent=elsewhere))], other_challenge, officer
    )
    User.objects.filter(pk=gone.pk).update(is_active=False)

    assert list(respondents_of_challenge(challenge)) == []
    assert list(respondents_of_challenge(other_challenge)) == [elsewhere]


def test_the_respondent_hears_the_link_by_the_challenge_title_and_its_prioritisation(
    survey, officer, heat, django_capture_on_commit_callbacks, mailoutbox
):
    respondent = ResidentFactory(language="en", email="resp@example.test")
    challenge = ChallengeFactory(
        title="Shade on the square", theme=heat, status=Challenge.Status.OPEN
    )
    concern = _concern_of(_answer(survey, respondent=respondent))

    with django_capture_on_commit_callbacks(execute=True):
        _publish_and_link([concern], challenge, officer)
        transition(challenge, Challenge.Status.PRIORITISED, actor=officer)

    messages = list(
        Notification.objects.filter(recipient=respondent)
        .order_by("created_at", "id")
        .values_list("message", flat=True)
    )
    assert messages == [
        f"Your concern #{concern.pk} is now: published.",
        f"Your concern #{concern.pk} is now linked to the challenge “Shade on the square”.",
        "The challenge “Shade on the square”, which your concern, survey answer or support "
        "is part of, is now: prioritised.",
    ]
    assert [mail.body for mail in mailoutbox] == messages
    assert [mail.subject for mail in mailoutbox][-1] == "Update on a challenge you follow"


def test_a_link_to_a_draft_challenge_keeps_its_title_from_the_resident(
    officer, heat, django_capture_on_commit_callbacks
):
    author = ResidentFactory(language="en")
    concern = ConcernFactory(author=author, status=Concern.Status.PUBLISHED)
    draft = ChallengeFactory(title="Internal working title", theme=heat)

    with django_capture_on_commit_callbacks(execute=True):
        services.challenge_link_concerns(challenge=draft, concerns=[concern], actor=officer)

    message = Notification.objects.get(recipient=author).message
    assert message == (
        f"Your concern #{concern.pk} is now linked to a challenge that is being prepared."
    )
    assert "Internal working title" not in message


def test_a_stakeholder_named_twice_is_told_once(
    survey, officer, heat, django_capture_on_commit_callbacks
):
    # The respondent is both the author of the survey concern and a respondent.
    respondent = ResidentFactory()
    challenge = ChallengeFactory(theme=heat, status=Challenge.Status.OPEN)
    _publish_and_link([_concern_of(_answer(survey, respondent=respondent))], challenge, officer)

    with django_capture_on_commit_callbacks(execute=True):
        event = transition(challenge, Challenge.Status.PRIORITISED, actor=officer)

    assert Notification.objects.filter(event=event, recipient=respondent).count() == 1


def test_no_message_or_mail_names_another_person(
    survey, officer, heat, django_capture_on_commit_callbacks, mailoutbox
):
    people = [
        ResidentFactory(
            username=f"person-{name.lower()}",
            first_name=name,
            last_name=f"{name}sma",
            email=f"{name.lower()}@mail.example",
            language="en",
        )
        for name in ("Anouk", "Bartholomeus", "Cornelia")
    ]
    anouk, bart, cor = people
    challenge = ChallengeFactory(title="Cool school yards", theme=heat)
    filed = [ConcernFactory(author=anouk, theme=heat), ConcernFactory(author=bart, theme=heat)]
    rejected = ConcernFactory(author=bart, theme=heat)

    with django_capture_on_commit_callbacks(execute=True):
        transition(challenge, Challenge.Status.OPEN, actor=officer)
        transition(rejected, Concern.Status.REJECTED, actor=officer, note="Too vague.")
        _publish_and_link(
            [*filed, _concern_of(_answer(survey, respondent=cor))], challenge, officer
        )
        transition(challenge, Challenge.Status.PRIORITISED, actor=officer)
        transition(challenge, Challenge.Status.CLOSED, actor=officer, note="Solved by the school.")
        transition(filed[0], Concern.Status.CLOSED, actor=officer, changes={"outcome": "addressed"})

    notes = Notification.objects.select_related("recipient")
    assert {n.kind for n in notes} == {"concern", "challenge"}
    assert {n.recipient for n in notes} == set(people)
    mails = {(mail.to[0], mail.body): mail for mail in mailoutbox}
    assert len(mails) == notes.count()
    for note in notes:
        mail = mails[(note.recipient.email, note.message)]
        for other in [*people, officer]:
            if other == note.recipient:
                continue
            for said in (note.message, mail.subject, mail.body):
                for identifier in (other.username, other.first_name, other.last_name, other.email):
                    if identifier:
                        assert identifier not in said, f"{note.recipient} was told of {other}"

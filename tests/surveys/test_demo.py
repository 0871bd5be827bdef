"""The survey demo tells the Stadshagen story, through the real answering path, and only once."""

from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.db.models import Max, Min

from civic.models import Challenge, Concern, Evidence, User
from surveys import demo
from surveys.models import Answer, Invitation, Question, Response, Survey
from surveys.signal import NAME, SOURCE


def _share(codes, theme: str) -> float:
    rows = Evidence.objects.filter(
        source=SOURCE, area__code__in=codes, name=f"theme_named_share_{theme}"
    )
    values = [row.value for row in rows]
    assert len(values) == len(codes) and None not in values
    return sum(values) / len(values)


def test_a_small_survey_demo_tells_the_story_and_loads_once(db):
    call_command("load_demo", "--core-only", stdout=StringIO())

    counts = demo.load_demo(progress=lambda message: None, respondents=120)

    survey = Survey.objects.get(title_nl=demo.TITLE_NL)
    assert survey.status == Survey.Status.OPEN and survey.is_accepting()
    assert counts["responses"] == Response.objects.filter(survey=survey).count() == 120
    assert not Response.objects.filter(area__isnull=True).exists()
    # Signed in and by letter; some letters never came back.
    assert Response.objects.filter(respondent__isnull=False).count() >= 20
    assert Response.objects.filter(invitation__isnull=False).count() >= 60
    assert Invitation.objects.filter(used_at__isnull=True).count() >= 20
    assert not Response.objects.filter(respondent__username__in=["resident", "resident2"]).exists()
    # Every kind of question is answered.
    kinds = set(Answer.objects.values_list("question__kind", flat=True))
    assert kinds == set(Question.Kind.values)
    # Consented map points became concerns, most of them published.
    from_survey = Concern.objects.filter(source=Concern.Source.SURVEY)
    assert from_survey.count() >= 10
    assert from_survey.filter(status=Concern.Status.PUBLISHED).count() > from_survey.count() / 2
    # The story: heat and flooding are named most in the low-lying neighbourhoods.
    higher = sorted(set(demo.WORRIES) - set(demo.LOW_LYING))
    for theme in ("heat", "flooding"):
        assert _share(demo.LOW_LYING, theme) > _share(higher, theme) + 0.2
    # Every open or draft challenge of the core demo carries the survey signal.
    for challenge in Challenge.objects.exclude(status=Challenge.Status.CLOSED):
        row = Evidence.objects.get(challenge=challenge, source=SOURCE, name=NAME)
        assert row.value > 0.5, challenge.title
    snapshot = (
        Response.objects.count(),
        Invitation.objects.count(),
        Concern.objects.count(),
        User.objects.count(),
        Survey.objects.count(),
    )

    assert demo.load_demo(progress=lambda message: None, respondents=120)["responses"] == 0

    assert snapshot == (
        Response.objects.count(),
        Invitation.objects.count(),
        Concern.objects.count(),
        User.objects.count(),
        Survey.objects.count(),
    )


@pytest.mark.parametrize("today", [date(2027, 2, 15), date(2027, 10, 2)])
def test_the_demo_timeline_reads_right_on_any_date(db, today):
    now = datetime(today.year, today.month, today.day, 12, tzinfo=ZoneInfo("Europe/Amsterdam"))

    with time_machine.travel(now, tick=False):
        call_command("load_demo", "--core-only", stdout=StringIO())
        demo.load_demo(progress=lambda message: None, respondents=60)

    # Residents' concerns came first, the challenges made of them after (in the spring before
    # the summer the demo's works were carried out); those still waiting for moderation are
    # of the last month, and nothing lies in the future.
    grouped = Concern.objects.filter(challenges__isnull=False, source=Concern.Source.WEB)
    challenges = Challenge.objects.aggregate(first=Min("created_at"), last=Max("created_at"))
    assert grouped.exists()
    assert grouped.aggregate(last=Max("created_at"))["last"] < challenges["first"]
    assert challenges["last"] <= now - timedelta(days=150)
    waiting = Concern.objects.filter(status=Concern.Status.SUBMITTED, source=Concern.Source.WEB)
    assert waiting.exists()
    assert now - timedelta(days=31) < waiting.aggregate(first=Min("created_at"))["first"]
    assert Concern.objects.aggregate(last=Max("created_at"))["last"] <= now
    # The survey was made with its letters, then opened, then answered; it is open today.
    survey = Survey.objects.get(title_nl=demo.TITLE_NL)
    assert survey.created_at < survey.opens_at < now < survey.closes_at
    letters = Invitation.objects.filter(survey=survey)
    assert letters.aggregate(last=Max("created_at"))["last"] <= survey.opens_at
    used = letters.aggregate(first=Min("used_at"), last=Max("used_at"))
    answered = Response.objects.aggregate(first=Min("submitted_at"), last=Max("submitted_at"))
    assert survey.opens_at <= used["first"] and used["last"] <= now
    assert survey.opens_at <= answered["first"] and answered["last"] <= now
    for concern in Concern.objects.filter(source=Concern.Source.SURVEY).select_related(
        "survey_answer__response"
    ):
        assert concern.created_at == concern.survey_answer.response.submitted_at

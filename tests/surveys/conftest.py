"""Fixtures of the surveys tests: an open survey with one question of every kind."""

import pytest
from django.contrib.gis.geos import Point

from surveys import services
from surveys.models import Question, Survey
from surveys.services import OptionSpec, QuestionSpec
from surveys.workflow import SURVEY_WORKFLOW  # noqa: F401  (the table is registered)
from tests.factories import CENTRE

K = Question.Kind


@pytest.fixture
def draft_survey(officer, municipality, heat, flooding):
    """A draft survey about the municipality with one question of every kind, in this order."""
    survey = services.survey_create(
        actor=officer,
        title_nl="Hitte en water in Stadshagen",
        title_en="Heat and water in Stadshagen",
        area=municipality,
    )
    services.questions_replace(
        actor=officer,
        survey=survey,
        questions=[
            QuestionSpec(K.SHORT_TEXT, "Uw straat", "Your street"),
            QuestionSpec(K.LONG_TEXT, "Wat wilt u kwijt?", "Anything else?"),
            QuestionSpec(
                K.SINGLE_CHOICE,
                "Waar maakt u zich het meest zorgen over?",
                "What worries you most?",
                required=True,
                options=(
                    OptionSpec("Hitte", "Heat", theme=heat),
                    OptionSpec("Wateroverlast", "Flooding", theme=flooding),
                    OptionSpec("Niets", "Nothing"),
                ),
            ),
            QuestionSpec(
                K.MULTIPLE_CHOICE,
                "Wat merkt u?",
                "What do you notice?",
                options=(
                    OptionSpec("Warme nachten"),
                    OptionSpec("Natte kelder"),
                    OptionSpec("Droge tuin"),
                ),
            ),
            QuestionSpec(K.LIKERT, "De buurt is groen genoeg", "The neighbourhood is green enough"),
            QuestionSpec(K.NUMBER, "Hoeveel tegels in uw tuin?", min_value=0, max_value=500),
            QuestionSpec(K.MAP_POINT, "Waar is het te heet?", "Where is it too hot?", theme=heat),
            QuestionSpec(K.MAP_AREA, "Welk gebied loopt onder?", "Which area floods?"),
            QuestionSpec(
                K.RANKING,
                "Wat eerst?",
                "What first?",
                options=(OptionSpec("Bomen"), OptionSpec("Minder tegels"), OptionSpec("Wadi")),
            ),
        ],
    )
    return survey


@pytest.fixture
def survey(draft_survey, officer):
    """The same survey, open."""
    from civic.workflow import transition

    transition(draft_survey, Survey.Status.OPEN, actor=officer)
    draft_survey.refresh_from_db()
    return draft_survey


@pytest.fixture
def q(survey):
    """The survey's questions by kind."""
    return {question.kind: question for question in survey.questions.all()}


def inside(dx: float = 0.0, dy: float = 0.0) -> Point:
    return Point(CENTRE[0] + dx, CENTRE[1] + dy, srid=4326)


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English; the site's default language is Dutch."""
    from django.utils import translation

    with translation.override("en"):
        yield

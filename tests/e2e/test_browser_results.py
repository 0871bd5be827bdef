"""Survey results in a real browser: the offline map draws the choropleth and the map answers."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.gis.geos import Point

from civic.models import Area
from civic.workflow import transition
from surveys import answering, services
from surveys.models import Question, Survey
from surveys.services import OptionSpec, QuestionSpec
from surveys.workflow import SURVEY_WORKFLOW  # noqa: F401  (the table is registered)
from tests.factories import CENTRE, AreaFactory, OfficerFactory, ResidentFactory, square

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

K = Question.Kind


def closed_survey_with_map_answers() -> Survey:
    """A closed survey: six residents of Werkeren chose an option and put a point on the map."""
    town = AreaFactory(
        kind=Area.Kind.MUNICIPALITY, code="GM0193", name="Zwolle", geometry=square(*CENTRE, 0.05)
    )
    werkeren = AreaFactory(
        code="BU01930001", name="Werkeren", parent=town, geometry=square(*CENTRE, 0.01)
    )
    officer = OfficerFactory()
    survey = services.survey_create(actor=officer, title_nl="Hitte", title_en="Heat", area=town)
    choice, point = services.questions_replace(
        actor=officer,
        survey=survey,
        questions=[
            QuestionSpec(
                K.SINGLE_CHOICE,
                "Zorg?",
                "Worry?",
                options=(OptionSpec("Hitte", "Heat"), OptionSpec("Water")),
            ),
            QuestionSpec(K.MAP_POINT, "Waar?", "Where?"),
        ],
    )
    transition(survey, Survey.Status.OPEN, actor=officer)
    heat = choice.options.first()
    for i in range(6):
        answering.response_submit(
            survey=survey,
            answers={
                choice.pk: heat.pk,
                point.pk: Point(CENTRE[0] + 0.001 * i, CENTRE[1], srid=4326),
            },
            respondent=ResidentFactory(),
            area=werkeren,
        )
    transition(survey, Survey.Status.CLOSED, actor=officer)
    return survey


def test_the_results_map_draws_neighbourhoods_and_answers_without_errors(page):
    survey = closed_survey_with_map_answers()

    page.goto(f"/surveys/{survey.pk}/results/")
    # one neighbourhood, filled, and six answer markers
    page.wait_for_function(
        "() => document.querySelectorAll('#results-map path.leaflet-interactive').length >= 7"
    )

    assert page.js_errors == []
    assert page.failed_responses == []
    fills = page.eval_on_selector_all(
        "#results-map path.leaflet-interactive", "els => els.map(el => el.getAttribute('fill'))"
    )
    assert "#08306b" in fills  # Werkeren: the highest responses per 1,000
    serious = [
        violation["id"]
        for violation in Axe().run(page).response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []

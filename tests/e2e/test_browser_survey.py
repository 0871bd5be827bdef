"""A resident answers a survey in a real browser: a point and an area on the map, then thanks."""

import re

import pytest
from playwright.sync_api import expect

from civic.models import Area, Concern
from civic.workflow import transition
from surveys import services
from surveys.models import Question, Response, Survey
from surveys.services import OptionSpec, QuestionSpec
from tests.e2e.test_browser_concern import axe_by_impact, loaded_scripts
from tests.factories import (
    CENTRE,
    PASSWORD,
    AreaFactory,
    OfficerFactory,
    ResidentFactory,
    ThemeFactory,
    square,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

K = Question.Kind
SCRIPTS = {
    "/static/leaflet/leaflet.js",
    "/static/leaflet/draw/leaflet.draw.js",
    "/static/civic/js/maps.js",
    "/static/surveys/js/answer.js",
}


def open_survey(officer, town, heat) -> Survey:
    survey = services.survey_create(
        actor=officer,
        title_nl="Hitte in Stadshagen",
        title_en="Heat in Stadshagen",
        intro_en="Show us where it is too hot.",
        area=town,
    )
    services.questions_replace(
        actor=officer,
        survey=survey,
        questions=[
            QuestionSpec(
                K.SINGLE_CHOICE,
                "Hoe vaak?",
                "How often is it too hot?",
                options=(OptionSpec("Nooit", "Never"), OptionSpec("Vaak", "Often")),
            ),
            QuestionSpec(
                K.MAP_POINT,
                "Waar is het te heet?",
                "Where is it too hot?",
                required=True,
                theme=heat,
            ),
            QuestionSpec(K.MAP_AREA, "Welk gebied?", "Which area floods?"),
        ],
    )
    transition(survey, Survey.Status.OPEN, actor=officer)
    return survey


def test_a_resident_places_a_point_draws_an_area_and_is_thanked(page):
    town = AreaFactory(
        kind=Area.Kind.MUNICIPALITY, code="GM0193", name="Zwolle", geometry=square(*CENTRE, 0.05)
    )
    AreaFactory(code="BU01930001", name="Werkeren", parent=town, geometry=square(*CENTRE, 0.01))
    heat = ThemeFactory(slug="heat", name_nl="Hitte", name_en="Heat")
    resident = ResidentFactory(username="resident-e2e")
    survey = open_survey(OfficerFactory(username="officer-e2e"), town, heat)
    point_q, area_q = (survey.questions.get(kind=kind) for kind in (K.MAP_POINT, K.MAP_AREA))

    # From the list to the survey; the page's login link brings the resident back.
    page.goto("/surveys/")
    page.get_by_role("link", name="Heat in Stadshagen", exact=True).click()
    expect(page).to_have_url(re.compile(rf"/surveys/{survey.pk}/$"))
    page.locator("#who").get_by_role("link", name="Log in").click()
    page.locator("#id_login").fill(resident.username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/surveys/{survey.pk}/$"))
    expect(page.locator("#who")).to_have_count(0)

    point_map = page.locator(f"#question-{point_q.pk}-map")
    area_map = page.locator(f"#question-{area_q.pk}-map")
    for the_map in (point_map, area_map):
        expect(the_map.locator(".leaflet-overlay-pane path.leaflet-interactive")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert loaded_scripts(page) >= SCRIPTS
    form_axe = axe_by_impact(page)

    # A click in the middle of the map places the point.
    point_map.click()
    expect(point_map.locator(".leaflet-marker-icon")).to_have_count(1)
    expect(page.locator(f"#question-{point_q.pk}-status")).to_have_text("Point placed.")
    page.get_by_label("Comment (optional)").fill("No shade at the bus stop")

    # Three clicks and "Finish the area" draw a triangle with Leaflet.draw.
    page.locator(f"#question-{area_q.pk}").get_by_role("button", name="Draw an area").click()
    box = area_map.bounding_box()
    corners = area_map.locator(".leaflet-editing-icon")
    for n, (x, y) in enumerate([(-60, -40), (60, -40), (0, 50)], start=1):
        area_map.click(position={"x": box["width"] / 2 + x, "y": box["height"] / 2 + y})
        expect(corners).to_have_count(n)
        # Leaflet.draw ignores a click within 50 ms of the last corner; people are slower.
        page.wait_for_timeout(100)
    page.get_by_role("button", name="Finish the area").click()
    expect(page.locator(f"#question-{area_q.pk}-status")).to_have_text("Area drawn.")

    page.get_by_label("Often").check()
    page.get_by_label("Publish my map points as concerns (without my name)").check()
    page.get_by_role("button", name="Send my answers").click()

    expect(page).to_have_url(re.compile(rf"/surveys/{survey.pk}/thanks/$"))
    expect(page.locator("h1")).to_have_text("Thank you")
    expect(page.locator("#thanks-published")).to_contain_text("it was sent as a concern")

    response = Response.objects.get()
    assert response.respondent == resident and response.consent_publish
    point = response.answers.get(question=point_q)
    assert abs(point.point.x - CENTRE[0]) < 0.01 and abs(point.point.y - CENTRE[1]) < 0.01
    assert point.text == "No shade at the bus stop"
    area = response.answers.get(question=area_q).polygon
    assert area.num_coords == 4 and area.contains(area.centroid)
    concern = Concern.objects.get()
    assert concern.location == point.point and concern.theme == heat

    print(f"\naxe on /surveys/{survey.pk}/: {form_axe}")
    assert form_axe.get("critical", []) == []
    assert form_axe.get("serious", []) == []
    assert page.js_errors == []
    assert page.failed_responses == []

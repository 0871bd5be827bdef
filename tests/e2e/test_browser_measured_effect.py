"""A resident follows their concern to its challenge and to the completed works, and reads their
measured effect with its interval; on a phone none of these pages scrolls sideways."""

import re
from datetime import date

import pytest
import time_machine
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from civic import services as civic_services
from civic.models import Challenge, Concern
from civic.workflow import transition
from interventions.evaluation import evaluation_run
from interventions.models import Intervention
from tests.e2e.conftest import log_in
from tests.factories import CENTRE, OfficerFactory, ResidentFactory, ThemeFactory, square
from tests.interventions.conftest import awaiting, decide
from tests.interventions.test_evaluation import AUTUMN, SITE, WORKS, plant
from tests.sensors.conftest import from_rd

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
PLANTED = -0.8
TITLE = "Depave the square by the shops"


@pytest.fixture
def measured(transactional_db, municipality, council):
    """A resident's concern, linked to a challenge whose depaving was completed in July 2026,
    with a planted night cooling of 0.8 °C around the site, evaluated in late autumn."""
    officer = OfficerFactory(username="officer-e2e", language="en")
    resident = ResidentFactory(username="resident-e2e", language="en")
    heat = ThemeFactory(slug="heat", name_nl="Hitte", name_en="Heat")
    concern = civic_services.concern_create(
        author=resident,
        theme=heat,
        description="The square by the shops is hot at night.",
        location=Point(*CENTRE, srid=4326),
    )
    transition(concern, Concern.Status.PUBLISHED, actor=officer)
    challenge = civic_services.challenge_create(
        actor=officer, title="Hot shopping centre", theme=heat, geometry=square(*CENTRE, 0.006)
    )
    transition(challenge, Challenge.Status.OPEN, actor=officer)
    civic_services.challenge_link_concerns(challenge=challenge, concerns=[concern], actor=officer)
    plant(officer, effect=PLANTED)
    with time_machine.travel(date(2026, 6, 1)):
        works = awaiting(officer, challenge, title=TITLE, site=from_rd(SITE.x, SITE.y))
        decide(council, works, "agreed")
    works.refresh_from_db()
    with time_machine.travel(WORKS[0]):
        transition(works, Intervention.Status.IN_PROGRESS, actor=officer)
    with time_machine.travel(WORKS[1]):
        transition(works, Intervention.Status.COMPLETED, actor=officer)
    works.refresh_from_db()
    run = evaluation_run(intervention=works, today=AUTUMN)
    assert run.verdict == "cooler"
    return resident, challenge, works, run


def one_decimal(value: float) -> str:
    return f"{abs(value):.1f}"


def test_a_resident_follows_their_concern_to_the_measured_effect(page, measured):
    resident, challenge, works, run = measured

    log_in(page, resident, lands_on=r"/concerns/mine/$")
    page.locator(".concern-card .challenge-links").get_by_role(
        "link", name="Hot shopping centre"
    ).click()
    page.wait_for_url(re.compile(rf"/challenges/{challenge.pk}/$"))
    # The works are on the challenge's map with their stage; the popup links to them.
    page.locator("#challenge-map .leaflet-app-layers-pane path").first.click()
    popup = page.locator("#challenge-map .leaflet-popup-content")
    expect(popup).to_contain_text(TITLE)
    expect(popup).to_contain_text("Stage: completed")
    expect(popup).to_contain_text("Progress: 100 %")
    popup.get_by_role("link", name="More about this intervention").click()
    page.wait_for_url(re.compile(rf"/interventions/{works.pk}/$"))

    sentence = page.locator("#measured-sentence")
    expect(sentence).to_contain_text("cooler than comparable places")
    shown = re.search(
        r"have been (\d+\.\d) °C cooler .*\(between (\d+\.\d) and (\d+\.\d) °C\)",
        sentence.inner_text(),
    )
    assert shown, sentence.inner_text()
    effect, near, far = (float(n) for n in shown.groups())
    # The page says what the stored run found, and the planted cooling lies in its interval.
    assert shown.groups() == (one_decimal(run.effect), one_decimal(run.high), one_decimal(run.low))
    assert near <= abs(PLANTED) <= far and near <= effect <= far
    assert page.js_errors == []


@pytest.mark.parametrize("language", ["en", "nl"])
def test_on_a_phone_the_way_to_the_measured_effect_does_not_scroll_sideways(
    page, measured, language
):
    resident, challenge, works, _run = measured
    resident.language = language
    resident.save(update_fields=["language"])
    page.set_viewport_size(PHONE)
    log_in(page, resident, lands_on=r"/concerns/mine/$")

    for path in ("/concerns/mine/", f"/challenges/{challenge.pk}/", f"/interventions/{works.pk}/"):
        page.goto(path)
        if path.startswith("/interventions/"):
            expect(page.locator("#measured-sentence")).to_be_visible()
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide on a {PHONE['width']} px phone"
    assert page.js_errors == []

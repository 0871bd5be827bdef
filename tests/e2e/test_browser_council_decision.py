"""A council member lands on the ranking, reads why the first challenge is first, and records the
council's decision on its proposal; on a phone the ranking does not scroll sideways."""

import re
from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from playwright.sync_api import expect

from civic.models import Area, Challenge, ChallengeConcern, Concern
from interventions.models import Decision, Intervention
from priority import services as priority_services
from tests.e2e.conftest import log_in
from tests.factories import (
    CENTRE,
    AreaFactory,
    ChallengeFactory,
    ConcernFactory,
    CouncilFactory,
    OfficerFactory,
    ResidentFactory,
    ThemeFactory,
    evidence_row,
    square,
)
from tests.interventions.conftest import awaiting

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


@pytest.fixture
def ranked(transactional_db):
    """Two open challenges, the hotter one with a proposal awaiting the council's decision."""
    town = AreaFactory(
        kind=Area.Kind.MUNICIPALITY, code="GM0193", name="Zwolle", geometry=square(*CENTRE, 0.05)
    )
    AreaFactory(code="BU01930001", name="Werkeren", parent=town, geometry=square(*CENTRE, 0.01))
    heat = ThemeFactory(slug="heat", name_nl="Hitte", name_en="Heat")
    officer = OfficerFactory(username="officer-e2e", language="en")
    hot = ChallengeFactory(
        title="Hittestress rond winkelcentrum Stadshagen",
        theme=heat,
        status=Challenge.Status.OPEN,
        owner=officer,
    )
    cool = ChallengeFactory(
        title="Schoolplein De Kraanvogel", theme=heat, status=Challenge.Status.OPEN
    )
    for challenge, night in ((hot, 1.8), (cool, 0.3)):
        evidence_row(challenge=challenge, source="sensors", name="night_anomaly", value=night)
    concern = ConcernFactory(
        author=ResidentFactory(),
        theme=heat,
        status=Concern.Status.LINKED,
        location=Point(*CENTRE, srid=4326),
    )
    ChallengeConcern.objects.create(challenge=cool, concern=concern)
    priority_services.scores_recompute()
    intervention = awaiting(officer, hot, title="Depave the square")
    return hot, intervention


def test_a_council_member_reads_why_the_first_is_first_and_records_the_decision(page, ranked):
    hot, intervention = ranked
    council = CouncilFactory(username="council-e2e", language="en")

    log_in(page, council, lands_on=r"/priority/$")

    first = page.locator("#ranking > li").first
    expect(first.locator("h3")).to_contain_text("Hittestress rond winkelcentrum Stadshagen")
    why = first.locator(".why")
    expect(why).to_be_visible()
    # Heat gives the most points here: the why names it first, with its figure.
    expect(why).to_contain_text(re.compile(r"Why:\s*heat \(1\.8 °C\) gives \d+(\.\d)? points"))
    expect(why).to_contain_text("Missing:")

    first.get_by_role("link", name="Hittestress rond winkelcentrum Stadshagen").click()
    page.wait_for_url(re.compile(rf"/challenges/{hot.pk}/$"))
    page.get_by_role("link", name="Depave the square").click()
    page.wait_for_url(re.compile(rf"/interventions/{intervention.pk}/$"))
    page.get_by_role("link", name="Record the council's decision").click()

    day = timezone.localdate() - timedelta(days=2)
    page.get_by_label("Outcome").select_option("agreed")
    page.get_by_label("Date of the decision").fill(day.isoformat())
    page.get_by_label("Motivation").fill("Cooler for the shoppers <b>now</b>.")
    page.get_by_label("Meeting reference").fill("Council meeting 14, item 6")
    page.get_by_label("Votes for").fill("21")
    page.get_by_label("Votes against").fill("12")
    page.get_by_label("Abstentions").fill("4")
    page.get_by_role("button", name="Record the decision").click()

    page.wait_for_url(re.compile(rf"/interventions/{intervention.pk}/$"))
    decision = page.locator("section.decision")
    expect(decision.locator("h2")).to_contain_text(": agreed")
    expect(decision).to_contain_text("Cooler for the shoppers <b>now</b>.")
    expect(decision).to_contain_text("Council meeting 14, item 6")
    expect(decision).to_contain_text("21 for, 12 against, 4 abstaining")
    recorded = Decision.objects.get()
    assert (recorded.outcome, recorded.decided_on, recorded.recorded_by) == ("agreed", day, council)
    assert Intervention.objects.get().status == Intervention.Status.AGREED
    assert page.js_errors == []


@pytest.mark.parametrize("role", ["council", "officer"])
def test_on_a_phone_the_ranking_does_not_scroll_sideways(page, ranked, role):
    page.set_viewport_size(PHONE)
    # In Dutch, whose words run longer; officers also see the override forms.
    factory = CouncilFactory if role == "council" else OfficerFactory
    log_in(page, factory(username=f"{role}-met-een-lange-naam", language="nl"))
    page.goto("/priority/")
    # Every breakdown and form opened, as a reader opens them.
    for summary in page.locator("#ranking details > summary").all():
        summary.click()
    expect(page.locator("table.score-breakdown").first).to_be_visible()

    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the ranking is {width} px wide on a {PHONE['width']} px phone"
    assert page.js_errors == []

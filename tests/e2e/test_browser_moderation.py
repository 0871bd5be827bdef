"""An officer publishes a concern from the moderation queue in the browser (htmx, no reload)."""

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from civic import services
from civic.models import Area, Concern
from tests.e2e.conftest import log_in
from tests.e2e.test_browser_concern import axe_by_impact
from tests.factories import (
    CENTRE,
    AreaFactory,
    OfficerFactory,
    ResidentFactory,
    ThemeFactory,
    square,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_publishes_from_the_queue_and_the_resident_sees_the_update(page):
    town = AreaFactory(
        kind=Area.Kind.MUNICIPALITY, code="GM0193", name="Zwolle", geometry=square(*CENTRE, 0.05)
    )
    AreaFactory(code="BU01930001", name="Werkeren", parent=town, geometry=square(*CENTRE, 0.01))
    heat = ThemeFactory(slug="heat", name_nl="Hitte", name_en="Heat")
    resident = ResidentFactory(username="resident-e2e", language="en")
    officer = OfficerFactory(username="officer-e2e")
    concern = services.concern_create(
        author=resident,
        theme=heat,
        description="The square has no shade at all.",
        location=Point(*CENTRE, srid=4326),
    )

    log_in(page, officer, lands_on=r"/moderation/$")
    row = page.locator(f"#moderation-row-{concern.pk}")
    expect(row).to_contain_text("The square has no shade at all.")
    moderation_axe = axe_by_impact(page)
    page.evaluate("window.__not_reloaded = true")

    row.get_by_role("button", name="Publish").click()

    # htmx swapped the row in place: the status shows and the page was not reloaded.
    expect(page.locator(f"#moderation-row-{concern.pk} .status")).to_have_text("published")
    assert page.evaluate("window.__not_reloaded") is True
    concern.refresh_from_db()
    assert concern.status == Concern.Status.PUBLISHED

    # The resident sees the step in the history and an update in the menu.
    page.context.clear_cookies()
    log_in(page, resident, lands_on=r"/concerns/mine/$")
    card = page.locator(f"#concern-{concern.pk}")
    expect(card.locator(".status")).to_have_text("published")
    expect(card.locator(".history")).to_contain_text("submitted → published")
    mine_axe = axe_by_impact(page)

    print(f"\naxe on /moderation/: {moderation_axe}\naxe on /concerns/mine/: {mine_axe}")
    for found in (moderation_axe, mine_axe):
        assert found.get("critical", []) == []
        assert found.get("serious", []) == []
    assert page.js_errors == []

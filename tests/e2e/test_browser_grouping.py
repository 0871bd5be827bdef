"""An officer groups concerns on the map (a click, a rectangle) and draws a challenge's area."""

import re

import pytest
from django.contrib.gis.geos import Point
from playwright.sync_api import expect

from civic.models import Area, Challenge, Concern
from tests.e2e.conftest import log_in
from tests.e2e.test_browser_concern import axe_by_impact
from tests.factories import (
    CENTRE,
    AreaFactory,
    ConcernFactory,
    OfficerFactory,
    ThemeFactory,
    square,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_officer_selects_on_the_map_links_to_a_new_challenge_and_redraws_its_area(page):
    town = AreaFactory(
        kind=Area.Kind.MUNICIPALITY, code="GM0193", name="Zwolle", geometry=square(*CENTRE, 0.05)
    )
    AreaFactory(code="BU01930001", name="Werkeren", parent=town, geometry=square(*CENTRE, 0.01))
    heat = ThemeFactory(slug="heat", name_nl="Hitte", name_en="Heat")
    officer = OfficerFactory(username="officer-e2e", language="en")
    concerns = [
        ConcernFactory(
            theme=heat,
            status=Concern.Status.PUBLISHED,
            description=f"Hot spot {n}",
            location=Point(CENTRE[0] + 0.0006 * n, CENTRE[1] + 0.0003 * n, srid=4326),
        )
        for n in range(3)
    ]

    log_in(page, officer)
    page.goto("/grouping/")
    dots = page.locator(".leaflet-concerns-pane path")
    expect(dots).to_have_count(3)
    found = {"/grouping/": axe_by_impact(page)}

    # A click on a dot ticks its box in the list.
    page.wait_for_function(
        """() => {
          const dot = document.querySelector(".leaflet-concerns-pane path");
          dot.dispatchEvent(new MouseEvent("click", { bubbles: true }));
          return document.querySelectorAll("input[name=concerns]:checked").length === 1;
        }""",
        polling=200,
    )
    expect(page.locator("#selected-count")).to_have_text("Selected: 1")

    # A rectangle drawn over the whole map selects every dot inside.
    page.get_by_role("button", name="Select with a rectangle").click()
    box = page.locator("#grouping-map").bounding_box()
    # From the top right to the bottom left corner (the zoom buttons sit top left).
    page.mouse.move(box["x"] + box["width"] - 4, box["y"] + 4)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=5)
    page.mouse.move(box["x"] + 4, box["y"] + box["height"] - 4, steps=5)
    page.mouse.up()
    expect(page.locator("#selected-count")).to_have_text("Selected: 3")
    for concern in concerns:
        expect(page.locator(f"#pick-{concern.pk}")).to_be_checked()

    page.locator("#action-new").check()
    page.locator("#new-title").fill("Heat by the school")
    page.get_by_role("button", name="Link", exact=True).click()
    page.wait_for_url(re.compile(r"/challenges/\d+/$"))
    challenge = Challenge.objects.get()
    assert sorted(challenge.concerns.values_list("pk", flat=True)) == [c.pk for c in concerns]
    expect(page.locator("#challenge-title")).to_have_text("Heat by the school")
    expect(page.locator("#challenge-map .leaflet-concerns-pane path")).to_have_count(3)
    found["challenge page"] = axe_by_impact(page)
    page.goto("/challenges/")
    found["/challenges/"] = axe_by_impact(page)

    # The edit page draws a new area with the rectangle tool.
    before = challenge.geometry
    page.goto(f"/challenges/{challenge.pk}/edit/")
    found["edit page"] = axe_by_impact(page)
    page.get_by_role("button", name="Draw a rectangle").click()
    box = page.locator("#challenge-form-map").bounding_box()
    page.mouse.move(box["x"] + 150, box["y"] + 60)
    page.mouse.down()
    page.mouse.move(box["x"] + 300, box["y"] + 160, steps=5)
    page.mouse.up()
    expect(page.locator("#geometry-status")).to_have_text("Area drawn.")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(rf"/challenges/{challenge.pk}/$"))
    challenge.refresh_from_db()
    assert challenge.geometry is not None and not challenge.geometry.equals(before)
    assert page.js_errors == []
    print(f"\naxe: {found}")
    for where, violations in found.items():
        assert violations.get("critical", []) == [], where
        assert violations.get("serious", []) == [], where

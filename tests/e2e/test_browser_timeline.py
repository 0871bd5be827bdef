"""A challenge's timeline and the open-data page fit a 375 px phone; axe finds no serious issue."""

import pytest

from tests.e2e.test_browser_concern import axe_by_impact
from tests.interventions.test_timeline import story

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}


def test_the_timeline_and_the_open_data_page_fit_a_phone(
    page, officer, council, heat, municipality
):
    told = story(officer, council, heat)
    timeline = f"/challenges/{told.challenge.pk}/timeline/"
    page.set_viewport_size(PHONE)
    found = {}
    for language in ("nl", "en"):
        page.set_extra_http_headers({"Accept-Language": language})
        for path in (timeline, "/open-data/"):
            page.goto(path)
            if path == "/open-data/":
                # The column lists unfold: their long names must wrap too.
                for summary in page.locator("details.dataset-columns summary").all():
                    summary.click()
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= PHONE["width"], f"{path} in {language} is {width} px wide"
            found[f"{path} ({language})"] = axe_by_impact(page)
        page.goto(timeline)
        assert page.locator("ol.timeline > li").count() == 16

    print(f"\naxe: {found}")
    for where, violations in found.items():
        assert violations.get("critical", []) == [], where
        assert violations.get("serious", []) == [], where
    assert page.js_errors == []
    assert page.failed_responses == []

"""The measured effect's before/after chart reads on a desktop and on a 375 px phone."""

import os
from datetime import date

import pytest

from interventions.evaluation import evaluation_run
from tests.interventions.conftest import challenge, concern_author  # noqa: F401
from tests.interventions.test_evaluation import plant
from tests.interventions.test_evaluation_runs import completed, started  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Set CIVIC_SCREENSHOTS=/some/dir to look at the chart at both widths.
SHOTS = os.environ.get("CIVIC_SCREENSHOTS", "")


@pytest.mark.parametrize("width", [1280, 375])
def test_the_chart_fits_the_screen_and_its_table_opens(
    page,
    officer,
    completed,  # noqa: F811
    municipality,
    width,
):
    plant(officer, effect=-0.8)
    evaluation_run(intervention=completed, today=date(2026, 11, 30))
    page.set_viewport_size({"width": width, "height": 900})

    page.goto(f"/interventions/{completed.pk}/")

    chart = page.locator("#measured-chart svg")
    box = chart.bounding_box()
    assert box is not None and box["width"] > 0.8 * min(width - 40, 640)
    assert box["x"] + box["width"] <= width
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Labels are drawn at a size a reader can see: about 10 px on the phone.
    label = page.locator("#measured-chart svg text", has_text="before").first
    assert label.bounding_box()["height"] >= 10
    assert "Night warmth" in page.locator("#measured-chart figcaption").inner_text()
    page.locator("#measured-chart summary").click()
    assert page.locator("#measured-chart table tbody tr").count() == 21
    if SHOTS:
        page.locator("#measured-effect").screenshot(path=f"{SHOTS}/measured-{width}.png")
    assert page.js_errors == []

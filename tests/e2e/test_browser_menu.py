"""On a 375 px phone the menu of every role wraps instead of widening the page."""

import pytest

from tests.e2e.conftest import log_in
from tests.factories import AdminFactory, CouncilFactory, OfficerFactory, ResidentFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
LANDS_ON = {
    "resident": r"/concerns/mine/$",
    "officer": r"/moderation/$",
    "council": r"/$",
    "admin": r"/moderation/$",
}
FACTORIES = {
    "resident": ResidentFactory,
    "officer": OfficerFactory,
    "council": CouncilFactory,
    "admin": AdminFactory,
}


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.mark.parametrize("role", ["anonymous", *FACTORIES])
def test_the_menu_fits_a_phone_for_every_role(page, role):
    page.set_viewport_size(PHONE)
    if role != "anonymous":
        # A long (Dutch) user name must not widen the page either.
        user = FACTORIES[role](username=f"{role}-met-een-lange-naam", language="nl")
        log_in(page, user, lands_on=LANDS_ON[role])
    for path in ("/notifications/" if role != "anonymous" else "/surveys/", "/sensors/"):
        page.goto(path)
        assert _page_width(page) <= PHONE["width"], f"{role} on {path}: page wider than a phone"
        for link in page.locator("header nav a").all():
            box = link.bounding_box()
            assert box is not None and box["x"] + box["width"] <= PHONE["width"] + 0.5, (
                f"{role}: menu entry {link.inner_text()!r} runs off the screen"
            )
    assert page.js_errors == []

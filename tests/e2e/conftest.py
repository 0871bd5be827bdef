"""Browser fixtures: Debian's chromium driven by Playwright against pytest-django's live server."""

import os

import pytest

# Playwright's sync API runs an event loop in the test thread; Django's ORM calls
# from fixtures and assertions there are still plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-gpu",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    """A fresh English-speaking tab that records JavaScript errors and failed responses."""
    context = browser.new_context(
        locale="en-GB",
        base_url=live_server.url,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.js_errors = []
    tab.failed_responses = []
    tab.on("pageerror", lambda error: tab.js_errors.append(str(error)))

    def note_failure(response):
        if response.status >= 400:
            tab.failed_responses.append(f"{response.status} {response.url}")

    tab.on("response", note_failure)
    yield tab
    context.close()

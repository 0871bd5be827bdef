"""Browser fixtures: Debian's chromium driven by Playwright against pytest-django's live server."""

import os
import re

import pytest

from tests.factories import PASSWORD

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


# Every violation of our Content-Security-Policy, as the page's own event reports it.
# Init scripts and bindings run outside the page's policy.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__civicCspViolation(
    event.effectiveDirective + " blocked " + (event.blockedURI || "?") + " on " +
    event.documentURI + (event.sample ? " (" + event.sample + ")" : "")
  );
}, true);
"""


def new_tab(browser, base_url: str):
    """A fresh English-speaking tab (own cookies) recording JavaScript errors, failed
    responses and violations of the Content-Security-Policy."""
    context = browser.new_context(
        locale="en-GB",
        base_url=base_url,
        viewport={"width": 1280, "height": 900},
    )
    context.set_default_timeout(10_000)
    tab = context.new_page()
    tab.js_errors = []
    tab.failed_responses = []
    tab.csp_violations = []
    tab.on("pageerror", lambda error: tab.js_errors.append(str(error)))
    context.expose_binding(
        "__civicCspViolation", lambda source, text: tab.csp_violations.append(text)
    )
    context.add_init_script(REPORT_CSP_VIOLATIONS)

    def note_console(message):
        # Chromium also logs what the policy refused (e.g. "Refused to execute inline script").
        if message.type == "error" and "Content Security Policy" in message.text:
            tab.csp_violations.append(message.text)

    def note_failure(response):
        if response.status >= 400:
            tab.failed_responses.append(f"{response.status} {response.url}")

    tab.on("console", note_console)
    tab.on("response", note_failure)
    return tab


@pytest.fixture
def page(browser, live_server):
    """A fresh tab; a page that trips our Content-Security-Policy fails the test."""
    tab = new_tab(browser, live_server.url)
    yield tab
    violations = list(tab.csp_violations)
    tab.context.close()
    assert violations == [], "the Content-Security-Policy refused: " + "; ".join(violations)


def log_in(tab, user, *, lands_on: str | None = None) -> None:
    """Log in through the real allauth page with the user name; wait for the role's landing.

    A resident lands on "my concerns", an officer on the moderation queue, each
    role on its own page (civic.menu); `lands_on` (a regex) checks which.
    """
    tab.goto("/accounts/login/")
    tab.locator("#id_login").fill(user.username)
    tab.locator("#id_password").fill(PASSWORD)
    tab.locator("main form button[type=submit]").click()
    if lands_on is None:
        tab.wait_for_url(lambda url: "/accounts/" not in url and "/start/" not in url)
    else:
        tab.wait_for_url(re.compile(lands_on))

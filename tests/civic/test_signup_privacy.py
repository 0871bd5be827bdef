"""Sign-up and password reset answer a registered e-mail address as they answer a new one."""

import re
import uuid

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client, override_settings

from civic.models import User
from civic.roles import RESIDENT, user_has_role

SIGNUP_URL = "/accounts/signup/"
RESET_URL = "/accounts/password/reset/"
NEW_PASSWORD = "a-long-Enough-pass-42"

pytestmark = pytest.mark.django_db

# Local runs and tests verify e-mail addresses optionally, production always.
VERIFICATION = pytest.mark.parametrize("verification", ["optional", "mandatory"])


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    # allauth limits mails per address and sign-ups per client in the cache.
    cache.clear()
    yield
    cache.clear()


def browser() -> Client:
    n = uuid.uuid4().int
    return Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"10.{n % 250}.{(n >> 8) % 250}.7")


def what_a_visitor_sees(client: Client, url: str, data: dict, typed: str) -> tuple:
    """Status, where it leads, and the page there, with what the visitor typed left out."""
    answer = client.post(url, data)
    page = client.get(answer["Location"]) if answer.status_code == 302 else answer
    html = page.content.decode().replace(typed, "<typed>")
    html = re.sub(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"\w+"', "", html)
    return answer.status_code, answer.get("Location"), page.status_code, html


def signup(email: str) -> dict:
    return {"email": email, "password1": NEW_PASSWORD, "password2": NEW_PASSWORD}


@VERIFICATION
def test_signing_up_with_a_registered_email_looks_exactly_like_a_new_sign_up(
    resident, verification
):
    with override_settings(ACCOUNT_EMAIL_VERIFICATION=verification):
        new = what_a_visitor_sees(
            browser(), SIGNUP_URL, signup("new@example.test"), "new@example.test"
        )
        taken = what_a_visitor_sees(browser(), SIGNUP_URL, signup(resident.email), resident.email)

    assert taken == new
    assert new[:3] == (302, "/accounts/confirm-email/", 200)
    assert "already" not in taken[3]
    # No second account; the owner is told, with the way back into theirs.
    assert User.objects.filter(email__iexact=resident.email).count() == 1
    (to_owner,) = [m for m in mail.outbox if m.to == [resident.email]]
    assert "already exists" in to_owner.body
    assert RESET_URL in to_owner.body


def test_the_registered_email_in_other_letters_is_not_revealed_either(resident):
    typed = resident.email.upper()
    new = what_a_visitor_sees(browser(), SIGNUP_URL, signup("NEW@example.test"), "new@example.test")
    taken = what_a_visitor_sees(browser(), SIGNUP_URL, signup(typed), resident.email)

    assert taken == new


@VERIFICATION
def test_a_new_resident_confirms_the_address_by_the_link_and_is_logged_in(heat, verification):
    client = browser()
    with override_settings(ACCOUNT_EMAIL_VERIFICATION=verification):
        client.post(SIGNUP_URL, signup("new@example.test"))
        assert client.get("/concerns/new/").status_code == 302  # not logged in yet

        (confirmation,) = mail.outbox
        link = re.search(r"https?://[^/]+(/accounts/confirm-email/\S+)", confirmation.body)
        confirmed = client.post(link.group(1))

    assert confirmed.status_code == 302
    user = User.objects.get(email="new@example.test")
    assert user_has_role(user, RESIDENT)
    assert client.get("/concerns/new/").status_code == 200


def test_password_reset_answers_the_same_for_a_registered_and_an_unknown_email(resident):
    known = what_a_visitor_sees(browser(), RESET_URL, {"email": resident.email}, resident.email)
    unknown = what_a_visitor_sees(
        browser(), RESET_URL, {"email": "no@example.test"}, "no@example.test"
    )

    assert known == unknown
    assert known[0] == 302
    assert [m.to for m in mail.outbox] == [[resident.email], ["no@example.test"]]

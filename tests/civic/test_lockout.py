"""Password guessing: 5 failures lock the account and the client on every login, for a cool-off."""

import logging
import re
import time
import uuid
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from tests.factories import PASSWORD

WEB_LOGIN = "/accounts/login/"
ADMIN_LOGIN = "/admin/login/"
TOKEN_URL = "/api/v1/auth/token/"
GUESS = "Guessed-Pa55word-xyzzy"

pytestmark = pytest.mark.django_db


def address() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}"


def browser(**extra) -> Client:
    """A browser with an address of its own."""
    return Client(REMOTE_ADDR=address(), HTTP_ACCEPT_LANGUAGE="en", **extra)


def web_login(login: str, password: str, client: Client | None = None):
    return (client or browser()).post(WEB_LOGIN, {"login": login, "password": password})


def admin_login(username: str, password: str, client: Client | None = None):
    client = client or browser()
    return client.post(f"{ADMIN_LOGIN}?next=/admin/", {"username": username, "password": password})


def token(username: str, password: str, client: APIClient | None = None):
    client = client or APIClient(REMOTE_ADDR=address(), HTTP_ACCEPT_LANGUAGE="en")
    return client.post(TOKEN_URL, {"username": username, "password": password})


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()
    yield
    cache.clear()


def assert_refused_as_locked(response) -> None:
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0


# ----------------------------------------------------------------- the account lock
def test_failures_under_the_email_and_the_user_name_lock_one_account_everywhere(
    resident, admin_user
):
    # Each guess from another address: only the account can tie them together.
    guesses = [resident.email, resident.email.upper(), resident.email.title()]
    guesses += [resident.username, resident.username.upper()]
    answers = [web_login(login, GUESS).status_code for login in guesses]

    assert answers == [200, 200, 200, 200, 429]  # the form with an error, then the lock
    assert_refused_as_locked(web_login(resident.username, PASSWORD))
    assert_refused_as_locked(web_login(resident.email, PASSWORD))
    api = token(resident.username, PASSWORD)
    assert_refused_as_locked(api)
    assert "token" not in api.json()
    # Someone else on the same addresses is not affected.
    assert web_login(admin_user.email, PASSWORD).status_code == 302


def test_failures_on_the_token_endpoint_lock_the_web_and_admin_login(admin_user):
    for n in range(5):
        answer = token(admin_user.username, GUESS)
        assert answer.status_code == (400 if n < 4 else 429), n

    assert_refused_as_locked(admin_login(admin_user.username, PASSWORD))
    assert_refused_as_locked(web_login(admin_user.email, PASSWORD))


def test_the_admin_login_locks_after_five_failures(admin_user):
    answers = [admin_login(admin_user.username, GUESS).status_code for _ in range(5)]

    assert answers == [200, 200, 200, 200, 429]
    refused = admin_login(admin_user.username, PASSWORD)
    assert_refused_as_locked(refused)
    assert "_auth_user_id" not in refused.wsgi_request.session


def test_a_new_forwarded_header_does_not_reset_the_token_lock(resident):
    client = APIClient(REMOTE_ADDR=address())

    for n in range(5):
        client.post(
            TOKEN_URL,
            {"username": resident.username, "password": GUESS},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
        )
    answer = client.post(
        TOKEN_URL,
        {"username": resident.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.77",
    )

    assert_refused_as_locked(answer)
    assert "token" not in answer.json()


def test_the_api_names_the_reason_and_when_to_retry(resident):
    for _ in range(5):
        token(resident.username, GUESS)

    answer = token(resident.username, PASSWORD)

    assert answer.status_code == 429
    assert answer["Retry-After"] == str(15 * 60)
    assert answer["Content-Type"] == "application/json"
    assert "Too many failed login attempts" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("language", "retry"),
    [("en", "Try again in 15 minutes."), ("nl", "Probeer het over 15 minuten opnieuw.")],
)
def test_the_apis_lockout_answer_is_in_one_language(resident, language, retry):
    client = APIClient(REMOTE_ADDR=address(), HTTP_ACCEPT_LANGUAGE=language)
    for _ in range(5):
        token(resident.username, GUESS, client)

    detail = token(resident.username, PASSWORD, client).json()["detail"]

    # DRF's own "Expected available in … seconds" stayed English on a Dutch answer.
    assert detail.endswith(retry)
    assert "Expected available" not in detail


def test_four_failures_do_not_stop_the_right_password(resident):
    for _ in range(4):
        web_login(resident.email, GUESS)

    assert web_login(resident.email, PASSWORD).status_code == 302


def test_an_unknown_login_is_locked_just_like_a_real_one(resident):
    for _ in range(5):
        web_login("nobody@example.test", GUESS)
        web_login(resident.email, GUESS)

    unknown = web_login("NOBODY@example.test", GUESS)
    known = web_login(resident.email, GUESS)

    assert (unknown.status_code, unknown["Retry-After"]) == (
        known.status_code,
        known["Retry-After"],
    )
    assert page_without_tokens(unknown) == page_without_tokens(known)


def page_without_tokens(response) -> str:
    return re.sub(
        r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"\w+"', "", response.content.decode()
    )


# ------------------------------------------------------------------ the client lock
def test_one_client_guessing_at_five_accounts_is_locked_for_all(resident, other_resident):
    client = browser()

    for n in range(5):
        web_login(f"someone{n}@example.test", GUESS, client=client)

    assert_refused_as_locked(web_login(resident.email, PASSWORD, client=client))
    assert_refused_as_locked(admin_login(resident.username, PASSWORD, client=client))
    api = APIClient(REMOTE_ADDR=client.defaults["REMOTE_ADDR"])
    assert_refused_as_locked(token(other_resident.username, PASSWORD, client=api))


# ------------------------------------------------------------------- what users see
@pytest.mark.parametrize(
    ("language", "heading", "message"),
    [
        ("en", "Logging in is paused", "Try again in 15 minutes."),
        ("nl", "Inloggen is gepauzeerd", "Probeer het over 15 minuten opnieuw."),
    ],
)
def test_the_page_says_in_the_visitors_language_that_logging_in_is_paused(
    resident, language, heading, message
):
    client = Client(REMOTE_ADDR=address(), HTTP_ACCEPT_LANGUAGE=language)
    for _ in range(5):
        web_login(resident.email, GUESS, client=client)

    page = web_login(resident.email, PASSWORD, client=client)

    assert_refused_as_locked(page)
    html = page.content.decode()
    assert heading in html and message in html
    assert 'name="password"' not in html  # no form to keep guessing with


def test_the_lock_lifts_after_the_cool_off(resident):
    client = APIClient(REMOTE_ADDR=address())
    with override_settings(AXES_COOLOFF_TIME=timedelta(seconds=2)):
        for _ in range(5):
            token(resident.username, GUESS, client=client)
        locked = token(resident.username, PASSWORD, client=client)
        assert locked.status_code == 429
        assert locked["Retry-After"] == "2"

        time.sleep(2.2)

        assert token(resident.username, PASSWORD, client=client).status_code == 200
        assert web_login(resident.email, PASSWORD).status_code == 302


def test_tries_during_the_lock_do_not_extend_it(resident):
    client = APIClient(REMOTE_ADDR=address())
    with override_settings(AXES_COOLOFF_TIME=timedelta(seconds=2)):
        for _ in range(5):
            token(resident.username, GUESS, client=client)
        time.sleep(0.5)
        assert token(resident.username, GUESS, client=client).status_code == 429
        time.sleep(1.8)  # 2.3 s after the last counted failure, 1.8 s after the refused one

        assert token(resident.username, PASSWORD, client=client).status_code == 200


# ----------------------------------------------------------------------- the log
def test_lockouts_are_logged_without_the_password(resident, caplog):
    caplog.set_level(logging.DEBUG)

    for _ in range(5):
        web_login(resident.email, GUESS)
        token(resident.username, GUESS)
        admin_login(resident.username, GUESS)

    assert "Locking out" in caplog.text
    assert GUESS not in caplog.text
    stored = AccessAttempt.objects.all()
    assert stored.exists()
    assert not any(GUESS in a.post_data or GUESS in a.get_data for a in stored)

"""One client identity: X-Forwarded-For counts only through the configured proxies, everywhere."""

import uuid

import pytest
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from django.utils.module_loading import import_string
from rest_framework.test import APIClient
from rest_framework.views import APIView

from civic.clients import client_ip
from civic.settings import base
from tests.civic.test_settings import run
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def production_throttles(monkeypatch):
    """The throttles production settings give every API view (the test settings turn them off).

    DRF reads DEFAULT_THROTTLE_CLASSES once, into APIView, so that is where they go.
    """
    names = base.REST_FRAMEWORK["DEFAULT_THROTTLE_CLASSES"]
    assert names, "production settings name no default throttles"
    monkeypatch.setattr(APIView, "throttle_classes", [import_string(n) for n in names])


def with_rate(**rates: str) -> dict:
    return {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], **rates},
    }


def fresh_address() -> str:
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}"


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


# ------------------------------------------------------------------ the address itself
def test_by_default_the_forwarded_header_is_ignored():
    assert client_ip(request_from("192.0.2.7", "203.0.113.9")) == "192.0.2.7"


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        # Whatever the client wrote left of what our proxy appended is ignored.
        (1, "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        (2, "198.51.100.1, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        # Shorter than the proxy chain, or not an address: not through our proxies.
        (2, "203.0.113.9", "192.0.2.7"),
        (1, "not-an-address", "192.0.2.7"),
        (1, "", "192.0.2.7"),
        # Proxies that append the client's port: still the client, not the proxy.
        (1, "203.0.113.9:51234", "203.0.113.9"),
        (1, "[2001:db8::1]:443", "2001:db8::"),
    ],
)
def test_behind_n_proxies_the_nth_address_from_the_right_counts(proxies, forwarded, expected):
    with override_settings(CIVIC_NUM_PROXIES=proxies):
        assert client_ip(request_from("192.0.2.7", forwarded)) == expected


def test_an_ipv6_client_is_one_client_for_its_whole_64_network():
    first = client_ip(request_from("2001:db8:1:2:aaaa::1"))
    second = client_ip(request_from("2001:db8:1:2:bbbb::99"))

    assert first == second == "2001:db8:1:2::"


def test_the_environment_sets_the_number_of_trusted_proxies_for_drf_and_allauth_too():
    show = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CIVIC_NUM_PROXIES, s.REST_FRAMEWORK['NUM_PROXIES'], s.ALLAUTH_TRUSTED_PROXY_COUNT)"
    )
    env = {"DJANGO_SETTINGS_MODULE": "civic.settings.test"}

    default = run(["-c", show], **env)
    two = run(["-c", show], DJANGO_NUM_PROXIES="2", **env)

    assert default.stdout.split()[-3:] == ["0", "0", "0"], default.stderr
    assert two.stdout.split()[-3:] == ["2", "2", "2"], two.stderr


def test_allauth_rate_limits_count_the_same_client():
    request = request_from("10.0.0.2", "198.51.100.1, 203.0.113.9")

    with override_settings(CIVIC_NUM_PROXIES=1):
        assert get_adapter().get_client_ip(request) == "203.0.113.9"


# ------------------------------------------------- throttles do not reset with the header
def test_the_anonymous_api_throttle_does_not_reset_with_a_new_forwarded_header(
    db, production_throttles
):
    client = APIClient(REMOTE_ADDR=fresh_address())

    with override_settings(REST_FRAMEWORK=with_rate(anon="3/hour")):
        answers = [
            client.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}").status_code
            for n in range(4)
        ]

    assert answers == [200, 200, 200, 429]


def test_the_token_endpoint_limit_does_not_reset_with_a_new_forwarded_header(resident):
    client = APIClient(REMOTE_ADDR=fresh_address())
    credentials = {"username": resident.username, "password": PASSWORD}

    answers = [
        client.post(TOKEN_URL, credentials, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")
        for n in range(21)
    ]

    assert [a.status_code for a in answers] == [200] * 20 + [429]
    assert "token" not in answers[-1].json()


def test_behind_a_proxy_clients_are_told_apart_by_the_address_the_proxy_saw(
    db, production_throttles
):
    proxy = APIClient(REMOTE_ADDR="10.0.0.2")

    with override_settings(CIVIC_NUM_PROXIES=1, REST_FRAMEWORK=with_rate(anon="1/hour")):
        first = proxy.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="203.0.113.1")
        spoofed = proxy.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="1.1.1.1, 203.0.113.1")
        other = proxy.get("/api/v1/themes/", HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert (first.status_code, spoofed.status_code, other.status_code) == (200, 429, 200)

"""Token authentication of the API: obtaining, using and throttling tokens."""

import uuid

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from civic.models import Concern
from tests.civic.conftest import geojson_point
from tests.factories import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"


@pytest.fixture
def anon():
    """A client with its own address: the throttle counts only this test's requests."""
    cache.clear()
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    yield APIClient(REMOTE_ADDR=address)
    cache.clear()


def test_username_and_password_answer_a_token(anon, resident):
    response = anon.post(TOKEN_URL, {"username": "resident-a", "password": PASSWORD})

    assert response.status_code == 200
    assert len(response.json()["token"]) == 40


def test_token_authenticates_api_requests(anon, resident, heat, municipality):
    token = anon.post(TOKEN_URL, {"username": "resident-a", "password": PASSWORD}).json()["token"]

    anon.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    response = anon.post(
        "/api/v1/concerns/",
        {"theme": "heat", "description": "Hot square", "location": geojson_point()},
        format="json",
    )

    assert response.status_code == 201
    assert response.json()["properties"]["is_mine"] is True
    assert Concern.objects.get().author == resident


def test_without_token_the_api_refuses_to_write(anon, resident, heat, municipality):
    response = anon.post(
        "/api/v1/concerns/",
        {"theme": "heat", "description": "Hot square", "location": geojson_point()},
        format="json",
    )

    assert response.status_code == 401
    assert not Concern.objects.exists()


def test_unknown_token_is_refused(anon, heat, municipality):
    anon.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)

    response = anon.get("/api/v1/concerns/")

    assert response.status_code == 401


def test_wrong_password_answers_400_without_token(anon, resident):
    response = anon.post(TOKEN_URL, {"username": "resident-a", "password": "wrong-password"})

    assert response.status_code == 400
    assert "token" not in response.json()
    assert "non_field_errors" in response.json()


def test_token_endpoint_is_throttled_after_20_requests_a_minute(anon, resident):
    # Failed logins lock after 5 (tests/civic/test_lockout.py); this speed limit
    # counts every request of the client, successful ones too.
    answers = [
        anon.post(TOKEN_URL, {"username": "resident-a", "password": PASSWORD}).status_code
        for _ in range(20)
    ]

    assert answers == [200] * 20
    blocked = anon.post(TOKEN_URL, {"username": "resident-a", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "token" not in blocked.json()

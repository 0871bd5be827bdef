"""Anonymous answers are throttled and hashed per client, whatever X-Forwarded-For says."""

import pytest
from django.conf import settings
from django.test import override_settings

from surveys import answering, services
from surveys.models import Response
from tests.surveys.test_answer_api import api, full, responses_url
from tests.surveys.test_answer_pages import answer_url, browser, form_data

pytestmark = pytest.mark.django_db

ONE_ANSWER_AN_HOUR = {
    **settings.REST_FRAMEWORK,
    "DEFAULT_THROTTLE_RATES": {
        **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
        "survey_answer": "2/hour",
    },
}


@pytest.fixture
def code(survey, officer, neighbourhood):
    (invitation,) = services.invitations_generate(
        actor=officer, survey=survey, count=1, area=neighbourhood
    )
    return invitation.code


def test_the_answer_api_throttle_does_not_reset_with_a_new_forwarded_header(survey, q):
    client = api()

    with override_settings(REST_FRAMEWORK=ONE_ANSWER_AN_HOUR):
        answers = [
            client.post(
                responses_url(survey),
                {"answers": {}, "code": "WRONG"},
                format="json",
                HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
            ).status_code
            for n in range(3)
        ]

    assert answers == [400, 400, 429]


def test_the_answer_page_throttle_does_not_reset_with_a_new_forwarded_header(survey, q):
    client = browser()

    with override_settings(REST_FRAMEWORK=ONE_ANSWER_AN_HOUR):
        answers = [
            client.post(
                answer_url(survey),
                form_data(q, code="WRONG"),
                HTTP_X_FORWARDED_FOR=f"203.0.113.{n}",
            ).status_code
            for n in range(3)
        ]

    assert answers == [400, 400, 429]


def test_behind_a_proxy_the_answer_keeps_the_hash_of_the_client_not_of_the_proxy(survey, q, code):
    client = api()
    client.defaults["REMOTE_ADDR"] = "10.0.0.2"  # our reverse proxy

    with override_settings(CIVIC_NUM_PROXIES=1):
        response = client.post(
            responses_url(survey),
            {"answers": full(q), "code": code},
            format="json",
            HTTP_X_FORWARDED_FOR="198.51.100.1, 203.0.113.9",
        )

    assert response.status_code == 201, response.json()
    assert Response.objects.get().client_hash == answering.client_hash("203.0.113.9")

"""Deep or unstorable JSON sent to the survey API is a 400 that names the problem."""

import pytest
from rest_framework.test import APIClient

from surveys.models import Response

pytestmark = pytest.mark.django_db


def nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_deep_json_answering_a_survey_is_a_400_and_stores_nothing(survey, q):
    client = APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")

    response = client.post(
        f"/api/v1/surveys/{survey.pk}/responses/",
        data=f'{{"answers": {{"{q["short_text"].pk}": {nested(1000)}}}}}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON nested deeper than 64 levels is not accepted."}
    assert not Response.objects.exists()


def test_a_lone_surrogate_in_a_text_answer_names_the_answer(survey, q):
    client = APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    key = str(q["long_text"].pk)

    response = client.post(
        f"/api/v1/surveys/{survey.pk}/responses/",
        data=f'{{"answers": {{"{key}": "warm\\udc00"}}, "code": "X"}}',
        content_type="application/json",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["answers"]
    assert list(response.json()["answers"]) == [key]


def test_deep_json_replacing_questions_is_a_400(draft_survey, officer):
    client = APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    client.force_authenticate(officer)

    response = client.post(
        f"/api/v1/surveys/{draft_survey.pk}/questions/",
        data=nested(1000),
        content_type="application/json",
    )

    assert response.status_code == 400
    assert "64 levels" in response.json()["detail"]
    assert draft_survey.questions.count() == 9


def test_a_yes_no_parameter_that_is_neither_is_a_400_naming_it(survey, officer):
    client = APIClient()
    client.force_authenticate(officer)

    response = client.get(f"/api/v1/surveys/{survey.pk}/invitations.csv", {"unused": "maybe"})
    accepted = client.get(f"/api/v1/surveys/{survey.pk}/invitations.csv", {"unused": "true"})

    assert response.status_code == 400
    assert list(response.json()) == ["unused"]
    assert accepted.status_code == 200

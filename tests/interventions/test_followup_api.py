"""The follow-up in the API: published counts only from 5 answers; an answer by the e-mail's token
or signed in, once, by the person asked; bad input named by field."""

from datetime import timedelta

import pytest
from django.core import mail
from rest_framework.test import APIClient

from interventions.models import FollowUp
from tests.factories import ResidentFactory
from tests.interventions.conftest import on
from tests.interventions.test_followup import COMPLETED_ON, completed, links_for, run_job

pytestmark = pytest.mark.django_db
ANSWERS = "/api/v1/followup-answers/"
ANSWER_DAY = COMPLETED_ON[0] + timedelta(days=30)


@pytest.fixture
def asked(officer, council, challenge, concern_author):
    """Works whose six stakeholders (a concern's author, five supporters) were asked."""
    supporters = [ResidentFactory(language="en") for _ in range(5)]
    works = completed(officer, council, challenge, supporters)
    run_job(COMPLETED_ON[0] + timedelta(days=28))
    return works, [concern_author, *supporters]


def api() -> APIClient:
    """A client reading English (a visitor's default is Dutch)."""
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def token_of(user) -> str:
    return links_for(user)["yes"].split("/")[3]


def test_an_answer_by_token_is_taken_once_without_an_account(asked):
    _works, people = asked
    client = api()
    token = token_of(people[1])

    with on(ANSWER_DAY):
        first = client.post(ANSWERS, {"token": token, "answer": "not_sure"}, format="json")
        second = client.post(ANSWERS, {"token": token, "answer": "yes"}, format="json")

    assert first.status_code == 201, first.content
    assert first.json()["answer"] == "not_sure"
    assert second.status_code == 409
    assert "answered" in second.json()["detail"]
    assert FollowUp.objects.get(user=people[1]).answer == "not_sure"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"answer": "maybe"}, "answer"),
        ({"answer": ""}, "answer"),
        ({"answer": "yes", "comment": "x" * 2001}, "comment"),
        ({"answer": "yes", "comment": "heet\x00"}, "comment"),
        ({"answer": "yes", "token": ""}, "token"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_written(asked, body, field):
    _works, people = asked
    payload = {"token": token_of(people[0]), **body}

    with on(ANSWER_DAY):
        response = api().post(ANSWERS, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not FollowUp.objects.filter(status="answered").exists()


def test_someone_elses_token_an_unknown_one_and_a_closed_one_are_refused(asked):
    _works, people = asked
    token = token_of(people[0])
    other = api()

    with on(ANSWER_DAY):
        other.force_authenticate(people[1])
        as_other = other.post(ANSWERS, {"token": token, "answer": "yes"}, format="json")
        unknown = api().post(ANSWERS, {"token": "b" * 43, "answer": "yes"}, format="json")
    with on(COMPLETED_ON[0] + timedelta(days=28 + 61)):
        closed = api().post(ANSWERS, {"token": token, "answer": "yes"}, format="json")

    assert [as_other.status_code, unknown.status_code, closed.status_code] == [403, 404, 410]
    assert not FollowUp.objects.filter(status="answered").exists()


def test_a_signed_in_stakeholder_answers_once_and_others_are_refused(asked, officer):
    works, people = asked
    url = f"/api/v1/interventions/{works.pk}/followup/"
    mine, stranger, anonymous = api(), api(), api()

    with on(ANSWER_DAY):
        mine.force_authenticate(people[2])
        stranger.force_authenticate(ResidentFactory())
        first = mine.post(url, {"answer": "yes", "comment": "Fijn"}, format="json")
        again = mine.post(url, {"answer": "no"}, format="json")
        not_asked = stranger.post(url, {"answer": "no"}, format="json")
        no_account = anonymous.post(url, {"answer": "no"}, format="json")

    assert first.status_code == 201
    assert (first.json()["answer"], first.json()["comment"]) == ("yes", "Fijn")
    assert [again.status_code, not_asked.status_code, no_account.status_code] == [409, 403, 401]
    assert FollowUp.objects.filter(status="answered").count() == 1


def test_the_results_show_counts_only_from_five_answers_and_never_names(asked):
    works, people = asked
    url = f"/api/v1/interventions/{works.pk}/followup/"
    tokens = [token_of(user) for user in people]

    readings = []
    with on(ANSWER_DAY):
        for token, answer in zip(tokens[:5], ["yes", "yes", "no", "yes", "not_sure"], strict=True):
            readings.append(api().get(url).json())
            api().post(ANSWERS, {"token": token, "answer": answer}, format="json")
        readings.append(api().get(url).json())

    assert [r["answered"] for r in readings] == [None, None, None, None, None, 5]
    assert all(r["yes"] is None and r["suppressed"] for r in readings[:5])
    assert (readings[5]["yes"], readings[5]["no"], readings[5]["not_sure"]) == (3, 1, 1)
    text = str(readings)
    assert not any(u.username in text or u.email in text for u in people)


def test_the_link_in_the_email_works_end_to_end_with_the_page(asked, client):
    _works, people = asked
    link = links_for(people[3])["yes"]
    assert len(mail.outbox) == 6

    with on(ANSWER_DAY):
        page = client.get(link)
        assert page.status_code == 200
        # The token is never passed on to a page the person goes to next.
        assert page["Referrer-Policy"] == "no-referrer"
        answered = client.post(link, {"answer": "yes", "comment": ""})
        thanks = client.get(answered["Location"])

    # Answered, then sent on to an address without the token (a reload does not post again).
    assert answered.status_code == 302 and link.split("/")[-2] not in answered["Location"]
    assert thanks.status_code == 200 and 'id="followup-thanks"' in thanks.content.decode()
    assert FollowUp.objects.get(user=people[3]).answer == "yes"

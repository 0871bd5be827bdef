"""The interventions list and API narrow to works in progress, completed or cancelled."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from civic.workflow import transition
from interventions import services
from tests.interventions.conftest import S, awaiting, decide, in_consultation

pytestmark = pytest.mark.django_db


def works(officer, council, challenge, title: str, *, progress: int = 0, then: str = ""):
    made = awaiting(officer, challenge, title=title)
    decide(council, made, "agreed")
    made.refresh_from_db()
    transition(made, S.IN_PROGRESS, actor=officer)
    made.refresh_from_db()
    services.implementation_update(intervention=made, actor=officer, progress=progress)
    if then:
        transition(made, then, actor=officer, note="Geen budget" if then == S.CANCELLED else "")
    return made


@pytest.fixture
def five(officer, council, challenge, today):
    in_consultation(officer, challenge, title="Nog in consultatie")
    works(officer, council, challenge, "Bezig", progress=35)
    works(officer, council, challenge, "Klaar", then=S.COMPLETED)
    works(officer, council, challenge, "Gestopt", then=S.CANCELLED)
    decide(council, awaiting(officer, challenge, title="Afgewezen"), "declined")


TITLES = ("Nog in consultatie", "Bezig", "Klaar", "Gestopt", "Afgewezen")


@pytest.mark.parametrize(
    ("show", "expected", "label"),
    [
        ("in_progress", {"Bezig"}, "Works in progress"),
        ("completed", {"Klaar"}, "Completed"),
        ("cancelled", {"Gestopt"}, "Cancelled"),
    ],
)
def test_the_list_narrows_to_one_stage_of_the_works(five, show, expected, label):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    html = client.get(f"/interventions/?show={show}").content.decode()

    assert {title for title in TITLES if f">{title}</a>" in html} == expected
    assert f'<strong aria-current="page">{label}</strong>' in html
    assert f'href="?show={show}"' in client.get("/interventions/").content.decode()


def test_the_list_gives_the_progress_of_works_in_progress(five):
    html = Client(HTTP_ACCEPT_LANGUAGE="en").get("/interventions/?show=in_progress")

    assert "in progress (35 % done)" in html.content.decode()


def test_the_api_list_filters_on_the_works_stages(five):
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")

    answer = api.get("/api/v1/interventions/?status=in_progress&status=completed&status=cancelled")

    assert answer.status_code == 200
    titles = {f["properties"]["title"] for f in answer.json()["features"]}
    assert titles == {"Bezig", "Klaar", "Gestopt"}

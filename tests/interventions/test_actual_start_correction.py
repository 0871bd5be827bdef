"""Officers correct the day the works started, on the page and in the API, also once completed."""

from datetime import date

import pytest
import time_machine
from django.urls import reverse
from rest_framework.test import APIClient

from civic.workflow import transition
from interventions import services
from interventions.models import ImpactEvaluation, Intervention
from tests.interventions.conftest import S, awaiting, decide
from tests.interventions.test_evaluation import SITE, WORKS, plant
from tests.sensors.conftest import from_rd

pytestmark = pytest.mark.django_db


def carried_out(officer, council, challenge, *, complete: bool = True) -> Intervention:
    """A depaving at the planted site, started 1 July 2026 and (if `complete`) done on 10 July."""
    with time_machine.travel(date(2026, 6, 1)):
        intervention = awaiting(officer, challenge)
        Intervention.objects.filter(pk=intervention.pk).update(site=from_rd(SITE.x, SITE.y))
        intervention.refresh_from_db()
        decide(council, intervention, "agreed")
    with time_machine.travel(date(2026, 7, 1)):
        transition(intervention, S.IN_PROGRESS, actor=officer)
    if complete:
        with time_machine.travel(date(2026, 7, 10)):
            transition(intervention, S.COMPLETED, actor=officer)
    intervention.refresh_from_db()
    return intervention


def post_start(client, officer, intervention, value: str):
    client.force_login(officer)
    return client.post(
        reverse("interventions:implementation", args=[intervention.pk]),
        {"actual_start": value},
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )


def test_a_start_after_the_completion_is_refused_naming_actual_start(
    officer, council, challenge, today
):
    done = carried_out(officer, council, challenge)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(officer)

    answer = api.post(
        f"/api/v1/interventions/{done.pk}/implementation/",
        {"actual_start": "2026-07-11"},
        format="json",
    )

    assert answer.status_code == 400
    assert answer.json() == {
        "actual_start": ["The works cannot have started after they were completed (July 10, 2026)."]
    }
    done.refresh_from_db()
    assert done.actual_start == WORKS[0]


def test_the_page_corrects_the_start_of_completed_works_and_refuses_one_after_the_end(
    client, officer, council, challenge, today
):
    done = carried_out(officer, council, challenge)
    client.force_login(officer)
    page = client.get(
        reverse("interventions:detail", args=[done.pk]), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    # Only the start is left to correct: progress is 100 and the plan is history.
    assert 'name="actual_start"' in page and 'value="2026-07-01"' in page
    assert 'name="progress"' not in page

    refused = post_start(client, officer, done, "2026-07-12").content.decode()
    done.refresh_from_db()
    assert "The works cannot have started after they were completed" in refused
    assert done.actual_start == WORKS[0]

    saved = post_start(client, officer, done, "2026-06-24").content.decode()
    done.refresh_from_db()
    assert "The start of the works is corrected." in saved
    assert done.actual_start == date(2026, 6, 24)


def test_correcting_the_start_of_measured_works_measures_them_again(
    officer, council, challenge, municipality, django_capture_on_commit_callbacks
):
    plant(officer, effect=-0.8)
    done = carried_out(officer, council, challenge)
    with time_machine.travel(date(2026, 11, 30)):
        from interventions.evaluation import evaluation_run

        first = evaluation_run(intervention=done)
        with django_capture_on_commit_callbacks(execute=True):
            services.implementation_update(
                intervention=done, actor=officer, actual_start=date(2026, 6, 20)
            )

    runs = list(ImpactEvaluation.objects.filter(intervention=done).order_by("computed_at", "id"))
    assert runs[0].pk == first.pk and len(runs) == 2
    # The nights before now end the day before the corrected start; the first run is kept.
    assert (first.before_last, runs[1].before_last) == (date(2026, 6, 30), date(2026, 6, 19))


def test_completed_works_take_no_other_change(officer, council, challenge, today):
    done = carried_out(officer, council, challenge)
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(officer)

    answer = api.post(
        f"/api/v1/interventions/{done.pk}/implementation/",
        {"actual_start": "2026-06-28", "progress": 50},
        format="json",
    )

    assert answer.status_code == 400 and "intervention" in answer.json()
    done.refresh_from_db()
    assert (done.actual_start, done.progress) == (WORKS[0], 100)


def test_works_in_progress_show_the_start_and_agreed_works_do_not(
    client, officer, council, challenge, today
):
    going = carried_out(officer, council, challenge, complete=False)
    agreed = awaiting(officer, challenge, title="Nog niet begonnen")
    decide(council, agreed, "agreed")
    client.force_login(officer)

    def form_of(intervention) -> str:
        return client.get(
            reverse("interventions:detail", args=[intervention.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()

    assert 'name="actual_start"' in form_of(going) and 'name="progress"' in form_of(going)
    assert 'name="actual_start"' not in form_of(agreed) and 'name="progress"' in form_of(agreed)
    cleared = post_start(client, officer, going, "").content.decode()
    going.refresh_from_db()
    assert "Give the day the works started" in cleared and going.actual_start == WORKS[0]

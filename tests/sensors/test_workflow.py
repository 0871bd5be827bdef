"""A sensor's status: who retires and reactivates it, the silent job, a silent sensor heard."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from civic import selectors
from civic.models import Notification, WorkflowEvent
from civic.workflow import transition
from sensors import ingest
from sensors.models import Sensor
from sensors.tasks import mark_silent
from sensors.workflow import SENSOR_WORKFLOW, sensors_mark_silent
from tests.factories import ResidentFactory
from tests.sensors.conftest import register

AMS = ZoneInfo("Europe/Amsterdam")
ACTIVE, SILENT, RETIRED = Sensor.Status.ACTIVE, Sensor.Status.SILENT, Sensor.Status.RETIRED
# A winter and a summer morning: the job must not depend on the season.
MORNINGS = [datetime(2027, 1, 15, 9, 0, tzinfo=AMS), datetime(2026, 7, 20, 9, 0, tzinfo=AMS)]


@pytest.fixture
def owner(db):
    return ResidentFactory(username="host", email="host@example.test", language="en")


@pytest.fixture
def sensor(owner, municipality):
    return register(owner, "garden-host")[0]


def _put(sensor: Sensor, **values) -> Sensor:
    """Set up a row as a test's starting point (status, times), bypassing the workflow."""
    Sensor.objects.filter(pk=sensor.pk).update(**values)
    sensor.refresh_from_db()
    return sensor


def _status(sensor: Sensor) -> str:
    return Sensor.objects.values_list("status", flat=True).get(pk=sensor.pk)


def _record(when: datetime | None = None) -> dict:
    when = when or timezone.now() - timedelta(minutes=5)
    return {"quantity": "air_temperature", "observed_at": when.isoformat(), "value": 21.5}


# ------------------------------------------------------------------ who moves a sensor

MOVES = [
    # (from, to, actor, allowed)
    (ACTIVE, RETIRED, "owner", True),
    (ACTIVE, RETIRED, "officer", True),
    (ACTIVE, RETIRED, "admin_user", True),
    (ACTIVE, RETIRED, "other_resident", False),
    (ACTIVE, RETIRED, "council", False),
    (ACTIVE, RETIRED, "anonymous", False),
    (ACTIVE, RETIRED, "service", False),
    (SILENT, RETIRED, "owner", True),
    (SILENT, RETIRED, "officer", True),
    (SILENT, RETIRED, "other_resident", False),
    (RETIRED, ACTIVE, "officer", True),
    (RETIRED, ACTIVE, "admin_user", True),
    (RETIRED, ACTIVE, "owner", False),
    (RETIRED, ACTIVE, "council", False),
    (RETIRED, ACTIVE, "service", False),
    (ACTIVE, SILENT, "service", True),
    (ACTIVE, SILENT, "officer", False),
    (ACTIVE, SILENT, "owner", False),
    (SILENT, ACTIVE, "service", True),
    (SILENT, ACTIVE, "officer", False),
    (SILENT, ACTIVE, "owner", False),
]


def _actor(request, name):
    if name == "service":
        return None
    return AnonymousUser() if name == "anonymous" else request.getfixturevalue(name)


@pytest.mark.parametrize(("source", "target", "actor_name", "allowed"), MOVES)
def test_who_may_move_a_sensor(request, sensor, source, target, actor_name, allowed):
    actor = _actor(request, actor_name)
    _put(sensor, status=source)

    if allowed:
        event = transition(sensor, target, actor=actor)

        assert (event.from_state, event.to_state) == (source, target)
        assert event.actor == (actor if actor_name != "service" else None)
        assert _status(sensor) == target
        assert list(selectors.history_of(sensor)) == [event]
    else:
        with pytest.raises(PermissionDenied):
            transition(sensor, target, actor=actor)

        assert _status(sensor) == source
        assert not selectors.history_of(sensor).exists()


# People get buttons and API hints; the service is offered nothing, it just moves.
@pytest.mark.parametrize(
    ("source", "target", "actor_name", "allowed"), [m for m in MOVES if m[2] != "service"]
)
def test_the_moves_offered_are_the_moves_allowed(
    request, sensor, source, target, actor_name, allowed
):
    _put(sensor, status=source)

    offered = [t.target for t in SENSOR_WORKFLOW.available_to(sensor, _actor(request, actor_name))]

    assert (target in offered) == allowed


def test_another_resident_is_told_why_they_cannot_retire_a_sensor(other_resident, sensor):
    with translation.override("en"), pytest.raises(PermissionDenied) as refused:
        transition(sensor, RETIRED, actor=other_resident)

    assert str(refused.value) == "Only the sensor's owner or an officer may retire it."


# ------------------------------------------------------------------ the silent job


@pytest.fixture
def station(officer, municipality):
    """A municipal station: no owner."""
    return register(officer, "lamp-post-9", hardware="station")[0]


@pytest.mark.parametrize("now", MORNINGS, ids=["winter", "summer"])
def test_the_job_marks_silent_only_sensors_quiet_for_the_whole_window(
    owner, officer, municipality, now
):
    def make(name, status=ACTIVE, registered_h=24 * 90, seen_h=None):
        made = register(owner, name)[0]
        seen = None if seen_h is None else now - timedelta(hours=seen_h)
        return _put(
            made,
            status=status,
            created_at=now - timedelta(hours=registered_h),
            last_seen_at=seen,
        )

    with time_machine.travel(now, tick=False):
        quiet = make("quiet", seen_h=25)
        recent = make("recent", seen_h=23)
        never_heard = make("never-heard", registered_h=30)
        just_registered = make("just-registered", registered_h=2)
        retired = make("retired", status=RETIRED, seen_h=24 * 40)
        already = make("already-silent", status=SILENT, seen_h=24 * 3)
        reactivated = make("reactivated", status=RETIRED, seen_h=24 * 100)
        with time_machine.travel(now - timedelta(hours=1), tick=False):
            transition(reactivated, ACTIVE, actor=officer)

        moved = sensors_mark_silent()
        again = sensors_mark_silent()

    assert (moved, again) == (2, 0)
    assert {s.external_id for s in Sensor.objects.filter(status=SILENT)} == {
        "quiet",
        "never-heard",
        "already-silent",
    }
    for unchanged in (recent, just_registered, reactivated):
        assert _status(unchanged) == ACTIVE
    assert _status(retired) == RETIRED
    events = WorkflowEvent.objects.filter(to_state=SILENT)
    assert sorted(e.object_id for e in events) == sorted([quiet.pk, never_heard.pk])
    assert all((e.actor_id, e.from_state) == (None, ACTIVE) for e in events)
    assert not selectors.history_of(already).exists()


def test_the_window_is_a_setting(settings, sensor):
    settings.SENSORS_SILENT_AFTER_HOURS = 48
    _put(sensor, created_at=timezone.now() - timedelta(days=30))
    _put(sensor, last_seen_at=timezone.now() - timedelta(hours=30))

    assert sensors_mark_silent() == 0
    _put(sensor, last_seen_at=timezone.now() - timedelta(hours=49))
    assert mark_silent.delay().get() == 1
    assert _status(sensor) == SILENT


def test_owners_hear_that_their_sensor_went_silent_in_their_language(
    owner, station, municipality, django_capture_on_commit_callbacks, mailoutbox
):
    dutch = ResidentFactory(username="gastheer", email="gastheer@example.test", language="nl")
    gone = ResidentFactory(username="moved-away", is_active=False)
    english_sensor = register(owner, "garden-en", name="Back garden")[0]
    dutch_sensor = register(dutch, "garden-nl", name="Achtertuin")[0]
    register(gone, "garden-gone")
    long_ago = timezone.now() - timedelta(days=3)
    Sensor.objects.update(created_at=long_ago - timedelta(days=30), last_seen_at=long_ago)

    with django_capture_on_commit_callbacks(execute=True):
        assert sensors_mark_silent() == 4  # the station and the inactive owner's too

    english = Notification.objects.get(recipient=owner)
    assert english.message == (
        "Your sensor “Back garden” has sent no readings for more than 24 hours and is now "
        "marked silent. Check its power and connection: it becomes active again with its "
        "next reading."
    )
    assert english.url == reverse("sensors:mine")
    assert english.event.subject == english_sensor
    dutch_message = Notification.objects.get(recipient=dutch).message
    assert "Achtertuin" in dutch_message
    assert dutch_message != english.message.replace("Back garden", "Achtertuin")
    # Nobody hears of the station (no owner), nor the owner who left.
    assert Notification.objects.count() == 2
    mails = {mail.to[0]: mail for mail in mailoutbox}
    assert set(mails) == {"host@example.test", "gastheer@example.test"}
    assert mails["host@example.test"].subject == "Update on your sensor"
    assert mails["host@example.test"].body == english.message
    assert mails["gastheer@example.test"].subject != "Update on your sensor"
    assert dutch_sensor.pk in {n.event.object_id for n in Notification.objects.all()}


# ------------------------------------------------------------------ heard again


def test_a_reading_from_a_silent_sensor_makes_it_active_through_the_workflow(
    owner, sensor, django_capture_on_commit_callbacks, mailoutbox
):
    from rest_framework.test import APIClient

    _put(sensor, status=SILENT)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {_token_of(owner, sensor)}")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/readings/", {"readings": [_record()]}, format="json")

    assert response.status_code == 201
    assert _status(sensor) == ACTIVE
    [event] = selectors.history_of(sensor)
    assert (event.actor, event.from_state, event.to_state) == (None, SILENT, ACTIVE)
    note = Notification.objects.get(recipient=owner)
    assert note.message == "Your sensor “garden-host” is sending readings again."


def _token_of(owner, sensor) -> str:
    from sensors import services

    return services.device_token_issue(sensor=sensor, actor=owner)


def test_an_active_sensor_sends_readings_without_touching_the_workflow(sensor):
    with CaptureQueriesContext(connection) as queries:
        stored = ingest.readings_ingest(sensor=sensor, records=[_record()]).stored

    assert stored == 1
    assert not selectors.history_of(sensor).exists()
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "civic_workflowevent" not in sql
    assert "FOR NO KEY UPDATE" not in sql


def test_readings_stored_for_a_retired_sensor_leave_it_retired(sensor):
    _put(sensor, status=RETIRED)

    ingest.readings_ingest(sensor=sensor, records=[_record()])

    assert _status(sensor) == RETIRED
    assert not selectors.history_of(sensor).exists()


# ------------------------------------------------------------------ the admin


def _admin_post(client, data):
    return client.post(reverse("admin:sensors_sensor_changelist"), data, follow=True)


def test_the_status_is_not_a_field_of_the_admin_form(client, officer, sensor):
    from tests.sensors.test_admin import change_form

    client.force_login(officer)

    response = client.post(
        reverse("admin:sensors_sensor_change", args=[sensor.pk]),
        change_form(sensor, status=RETIRED, name="Renamed"),
    )

    assert response.status_code == 302
    sensor.refresh_from_db()
    assert (sensor.name, sensor.status) == ("Renamed", ACTIVE)
    assert not selectors.history_of(sensor).exists()


def test_officers_retire_and_reactivate_with_admin_actions(
    client, officer, owner, sensor, django_capture_on_commit_callbacks
):
    client.force_login(officer)

    with django_capture_on_commit_callbacks(execute=True):
        _admin_post(client, {"action": "move_to_retired", "_selected_action": [sensor.pk]})
    retired = _status(sensor)
    with django_capture_on_commit_callbacks(execute=True):
        _admin_post(client, {"action": "move_to_active", "_selected_action": [sensor.pk]})

    assert (retired, _status(sensor)) == (RETIRED, ACTIVE)
    history = [(e.actor, e.from_state, e.to_state) for e in selectors.history_of(sensor)]
    assert history == [(officer, ACTIVE, RETIRED), (officer, RETIRED, ACTIVE)]
    assert list(
        Notification.objects.filter(recipient=owner)
        .order_by("id")
        .values_list("message", flat=True)
    ) == [
        "Your sensor “garden-host” has been retired: its readings are no longer accepted.",
        "Your sensor “garden-host” is active again.",
    ]
    # The change page shows both steps and who took them.
    page = client.get(reverse("admin:sensors_sensor_change", args=[sensor.pk])).content.decode()
    assert page.count(f"({officer.username})</div>") == 2


def test_reactivating_an_active_sensor_in_the_admin_names_the_problem(client, officer, sensor):
    client.force_login(officer)

    response = _admin_post(client, {"action": "move_to_active", "_selected_action": [sensor.pk]})

    messages = [str(m) for m in response.context["messages"]]
    assert any(f"#{sensor.pk}" in m and "retired" in m for m in messages), messages
    assert _status(sensor) == ACTIVE
    assert not selectors.history_of(sensor).exists()


# ------------------------------------------------------------------ the API

URL = "/api/v1/sensors/"


def _api_move(api_as, who, sensor, **data):
    return api_as(who).post(f"{URL}{sensor.pk}/transition/", data, format="json")


@pytest.fixture
def api_as(request, db):
    from rest_framework.test import APIClient

    def make(name):
        client = APIClient()
        if name != "anonymous":
            client.force_authenticate(request.getfixturevalue(name))
        return client

    return make


def test_the_owner_retires_their_own_sensor_through_the_api(
    api_as, owner, sensor, django_capture_on_commit_callbacks
):
    shown = api_as("owner").get(f"{URL}{sensor.pk}/").json()["properties"]

    with django_capture_on_commit_callbacks(execute=True):
        response = _api_move(api_as, "owner", sensor, to="retired", note="Moving house")

    assert shown["allowed_transitions"] == ["retired"]
    assert response.status_code == 200
    assert response.json()["properties"]["status"] == RETIRED
    assert response.json()["properties"]["allowed_transitions"] == []
    [event] = selectors.history_of(sensor)
    assert (event.actor, event.to_state, event.note) == (owner, RETIRED, "Moving house")
    assert not Notification.objects.exists()  # nobody is told of their own step


def test_another_resident_cannot_retire_someone_elses_sensor(api_as, sensor):
    shown = api_as("other_resident").get(f"{URL}{sensor.pk}/").json()["properties"]

    response = api_as("other_resident").post(
        f"{URL}{sensor.pk}/transition/", {"to": "retired"}, format="json", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert shown["allowed_transitions"] == []
    assert response.status_code == 403
    assert response.json()["detail"] == "Only the sensor's owner or an officer may retire it."
    assert _status(sensor) == ACTIVE


def test_a_visitor_cannot_move_a_sensor(api_as, sensor):
    response = _api_move(api_as, "anonymous", sensor, to="retired")

    assert response.status_code in (401, 403)
    assert _status(sensor) == ACTIVE


def test_only_officers_reactivate_and_the_owner_hears_of_it(
    api_as, owner, sensor, django_capture_on_commit_callbacks
):
    _put(sensor, status=RETIRED)

    by_owner = _api_move(api_as, "owner", sensor, to="active")
    hidden = _api_move(api_as, "other_resident", sensor, to="active")
    with django_capture_on_commit_callbacks(execute=True):
        by_officer = _api_move(api_as, "officer", sensor, to="active")

    assert by_owner.status_code == 403
    assert hidden.status_code == 404  # someone else's retired sensor is history, not shown
    assert by_officer.status_code == 200
    assert _status(sensor) == ACTIVE
    assert Notification.objects.get(recipient=owner).message == (
        "Your sensor “garden-host” is active again."
    )


@pytest.mark.parametrize("target", ["silent", "flying"])
def test_a_move_that_is_not_offered_is_refused(api_as, sensor, target):
    response = _api_move(api_as, "officer", sensor, to=target)

    assert response.status_code in (400, 403)
    assert _status(sensor) == ACTIVE

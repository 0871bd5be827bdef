"""The sensor network in the Django admin: officers manage it, council members stay out."""

import json
import re

import pytest
from django.contrib.gis.geos import Point
from django.contrib.messages import get_messages
from django.urls import reverse

from civic.models import Area
from sensors import ingest, services
from sensors.models import DeviceToken, DirtyDay, Reading, Sensor
from tests.factories import CENTRE, AreaFactory, square
from tests.sensors.conftest import point_in_cell_of, to_rd

# secrets.token_urlsafe(32): 43 URL-safe characters.
RAW_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:sensors_{model._meta.model_name}_{view}", args=args)


def change_form(sensor: Sensor, **changes) -> dict:
    """The change form as the admin page posts it, with the sensor's current values."""
    tokens = list(sensor.tokens.order_by("pk"))
    data = {
        "external_id": sensor.external_id,
        "name": sensor.name,
        "kind": sensor.kind,
        "hardware": sensor.hardware,
        "owner": sensor.owner_id or "",
        "quantities": ",".join(sensor.quantities),
        "location": sensor.location.geojson,
        "height_m": "" if sensor.height_m is None else sensor.height_m,
        "exposure": sensor.exposure,
        "surface": sensor.surface,
        "status": sensor.status,
        "tokens-TOTAL_FORMS": len(tokens),
        "tokens-INITIAL_FORMS": len(tokens),
        "tokens-MIN_NUM_FORMS": 0,
        "tokens-MAX_NUM_FORMS": 0,
        "_save": "Save",
    }
    for index, token in enumerate(tokens):
        data[f"tokens-{index}-id"] = token.pk
        data[f"tokens-{index}-sensor"] = sensor.pk
        data[f"tokens-{index}-revoked_at_0"] = ""
        data[f"tokens-{index}-revoked_at_1"] = ""
    data.update(changes)
    return data


@pytest.fixture
def with_readings(garden_sensor):
    sensor, _token = garden_sensor
    ingest.readings_ingest(
        sensor=sensor,
        records=[
            {"quantity": "air_temperature", "observed_at": "2026-07-01T12:00:00Z", "value": 26.0},
            {"quantity": "air_temperature", "observed_at": "2026-07-01T22:30:00Z", "value": 19.0},
        ],
    )
    return sensor


@pytest.fixture
def east_neighbourhood(municipality):
    """A second neighbourhood east of Werkeren, inside the municipality."""
    return AreaFactory(
        code="BU01930002",
        name="Oost",
        parent=municipality,
        geometry=square(CENTRE[0] + 0.03, CENTRE[1], 0.01),
    )


@pytest.mark.parametrize("user", ["officer", "admin_user"])
def test_officers_open_the_sensor_pages(request, client, with_readings, user):
    client.force_login(request.getfixturevalue(user))
    sensor = with_readings

    pages = {
        "sensor list": client.get(admin_url(Sensor, "changelist")),
        "sensor": client.get(admin_url(Sensor, "change", sensor.pk)),
        "new sensor": client.get(admin_url(Sensor, "add")),
        "readings": client.get(admin_url(Reading, "changelist")),
        "dirty days": client.get(admin_url(DirtyDay, "changelist")),
    }

    assert {name: page.status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
    assert "garden-001" in pages["sensor list"].content.decode()
    assert DirtyDay.objects.count() == 2


def test_the_change_page_shows_token_hints_never_tokens(client, officer, garden_sensor):
    sensor, raw = garden_sensor
    client.force_login(officer)

    html = client.get(admin_url(Sensor, "change", sensor.pk)).content.decode()

    assert raw[:6] in html
    assert raw not in html
    assert DeviceToken.objects.get(sensor=sensor).key_hash not in html


@pytest.mark.parametrize("view", ["changelist", "add"])
def test_a_council_member_cannot_open_the_sensor_admin(client, council, garden_sensor, view):
    client.force_login(council)

    response = client.get(admin_url(Sensor, view))

    assert response.status_code == 403


def test_a_council_member_cannot_open_a_sensor(client, council, garden_sensor):
    client.force_login(council)

    response = client.get(admin_url(Sensor, "change", garden_sensor[0].pk))

    assert response.status_code == 403
    assert "garden-001" not in response.content.decode()


def test_a_resident_is_sent_to_the_admin_login(client, resident, garden_sensor):
    client.force_login(resident)

    response = client.get(admin_url(Sensor, "changelist"))

    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_saving_a_new_location_recomputes_public_location_and_area(
    client, officer, garden_sensor, east_neighbourhood
):
    sensor, _raw = garden_sensor
    client.force_login(officer)
    old_public = sensor.public_location.coords
    moved = point_in_cell_of(Point(CENTRE[0] + 0.03, CENTRE[1], srid=4326), 20, 80)

    response = client.post(
        admin_url(Sensor, "change", sensor.pk), change_form(sensor, location=moved.geojson)
    )

    assert response.status_code == 302, response.content.decode()[-2000:]
    sensor.refresh_from_db()
    assert sensor.location.coords == pytest.approx(moved.coords, abs=1e-9)
    assert sensor.public_location.coords != old_public
    assert sensor.public_location.coords == pytest.approx(
        services.public_location_for(moved).coords, abs=1e-9
    )
    public = to_rd(sensor.public_location)
    assert public.x % 100 == pytest.approx(50, abs=1e-3)
    assert public.y % 100 == pytest.approx(50, abs=1e-3)
    assert to_rd(sensor.location).distance(public) < 71
    assert sensor.area == east_neighbourhood


def test_saving_without_moving_keeps_the_public_location(client, officer, garden_sensor):
    sensor, _raw = garden_sensor
    client.force_login(officer)
    before = Sensor.objects.get(pk=sensor.pk).public_location.coords

    response = client.post(
        admin_url(Sensor, "change", sensor.pk), change_form(sensor, name="Achtertuin")
    )

    assert response.status_code == 302
    sensor.refresh_from_db()
    assert sensor.name == "Achtertuin"
    assert sensor.public_location.coords == before


def test_adding_a_sensor_in_the_admin_computes_its_public_location(client, officer, neighbourhood):
    client.force_login(officer)
    location = point_in_cell_of(Point(*CENTRE, srid=4326), 70, 30)
    data = {
        "external_id": "lamp-post-1",
        "name": "Lantaarnpaal Werkeren",
        "kind": "lamp_post",
        "hardware": "station",
        "owner": "",
        "quantities": "air_temperature,precipitation",
        "location": json.dumps({"type": "Point", "coordinates": list(location.coords)}),
        "height_m": "4",
        "exposure": "sun",
        "surface": "paving",
        "status": "active",
        "tokens-TOTAL_FORMS": 0,
        "tokens-INITIAL_FORMS": 0,
        "tokens-MIN_NUM_FORMS": 0,
        "tokens-MAX_NUM_FORMS": 0,
        "_save": "Save",
    }

    response = client.post(admin_url(Sensor, "add"), data)

    assert response.status_code == 302, response.content.decode()[-2000:]
    sensor = Sensor.objects.get(external_id="lamp-post-1")
    assert sensor.owner is None
    assert sensor.area == neighbourhood
    assert sensor.public_location.coords == pytest.approx(
        services.public_location_for(location).coords, abs=1e-9
    )
    assert sensor.area.kind == Area.Kind.NEIGHBOURHOOD


def test_the_issue_token_action_shows_a_token_that_authenticates(client, officer, garden_sensor):
    sensor, old = garden_sensor
    client.force_login(officer)

    response = client.post(
        admin_url(Sensor, "changelist"),
        {"action": "issue_token", "_selected_action": [sensor.pk]},
        follow=True,
    )

    assert response.status_code == 200
    messages = [str(message) for message in get_messages(response.wsgi_request)]
    messages += [str(message) for message in response.context["messages"]]
    shown = {token for message in messages for token in RAW_TOKEN.findall(message)}
    assert len(shown) == 1
    new = shown.pop()
    assert new != old
    assert new in response.content.decode()
    assert services.sensor_authenticate(raw_token=new) == sensor
    assert services.sensor_authenticate(raw_token=old) == sensor
    # Stored only as its hash.
    assert not DeviceToken.objects.filter(key_hash=new).exists()
    assert DeviceToken.objects.filter(key_hash=DeviceToken.hash(new)).exists()


def test_the_revoke_action_stops_every_token(client, officer, garden_sensor):
    sensor, old = garden_sensor
    client.force_login(officer)

    response = client.post(
        admin_url(Sensor, "changelist"),
        {"action": "revoke_tokens", "_selected_action": [sensor.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert services.sensor_authenticate(raw_token=old) is None

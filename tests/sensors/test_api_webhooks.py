"""TTN webhooks and sensor.community pushes land as readings, replays add nothing."""

import base64
import copy

from rest_framework.test import APIClient

from sensors.models import Reading
from tests.sensors.test_formats import UPLINK

TTN_URL = "/api/v1/ingest/ttn/"
SC_URL = "/api/v1/ingest/sensor-community/"


def _ttn(client_token: str | None, body: dict):
    client = APIClient()
    if client_token:
        client.credentials(HTTP_AUTHORIZATION=f"Device {client_token}")
    return client.post(TTN_URL, body, format="json")


def test_a_ttn_uplink_is_stored_and_a_redelivery_is_harmless(garden_sensor):
    _, token = garden_sensor

    first = _ttn(token, UPLINK)
    again = _ttn(token, UPLINK)

    assert first.status_code == 201
    assert first.json()["ignored"] == ["battery"]
    assert again.status_code == 200
    assert again.json()["duplicates"] == 2
    assert sorted(Reading.objects.values_list("quantity", "value")) == [
        ("air_temperature", 28.4),
        ("relative_humidity", 51.2),
    ]


def test_a_deeply_nested_ttn_uplink_is_a_400(garden_sensor):
    _, token = garden_sensor
    client = APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")

    response = client.post(
        TTN_URL,
        data='{"uplink_message": ' + "[" * 1000 + "]" * 1000 + "}",
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON nested deeper than 64 levels is not accepted."}
    assert not Reading.objects.exists()


def test_a_ttn_uplink_for_another_device_is_refused(garden_sensor):
    _, token = garden_sensor
    body = copy.deepcopy(UPLINK)
    body["end_device_ids"]["device_id"] = "someone-else"

    response = _ttn(token, body)

    assert response.status_code == 401
    assert not Reading.objects.exists()


def test_a_ttn_uplink_without_token_is_401(garden_sensor):
    assert _ttn(None, UPLINK).status_code == 401
    assert not Reading.objects.exists()


def test_a_ttn_uplink_with_a_bad_value_names_the_record(garden_sensor):
    _, token = garden_sensor
    body = copy.deepcopy(UPLINK)
    body["uplink_message"]["decoded_payload"]["temperature"] = "hot"

    response = _ttn(token, body)

    assert response.status_code == 400
    assert "value" in next(iter(response.json()["readings"].values()))
    assert not Reading.objects.exists()


def _push(chip: str, token: str | None, body: dict, sensor_header: str | None = None):
    client = APIClient()
    if token is not None:
        basic = base64.b64encode(f"{chip}:{token}".encode()).decode()
        client.credentials(HTTP_AUTHORIZATION=f"Basic {basic}")
    return client.post(
        SC_URL, body, format="json", HTTP_X_SENSOR=sensor_header or chip, HTTP_X_PIN="7"
    )


PUSH = {
    "software_version": "NRZ-2024-135",
    "sensordatavalues": [
        {"value_type": "temperature", "value": "21.50"},
        {"value_type": "humidity", "value": "48.20"},
        {"value_type": "samples", "value": "889813"},
    ],
}


def test_a_sensor_community_push_is_stored_once(station_community):
    chip, token = station_community

    first = _push(chip, token, PUSH)
    again = _push(chip, token, PUSH)

    assert first.status_code == 201
    assert again.status_code == 200
    assert Reading.objects.count() == 2


def test_the_chip_id_alone_is_not_enough(station_community):
    chip, _ = station_community

    assert _push(chip, "guessed", PUSH).status_code == 401
    assert _push(chip, None, PUSH).status_code == 401
    assert not Reading.objects.exists()


def test_x_sensor_must_match_the_credentials(station_community):
    chip, token = station_community

    response = _push(chip, token, PUSH, sensor_header="esp8266-99999999")

    assert response.status_code == 401
    assert not Reading.objects.exists()


def test_a_non_numeric_string_value_is_refused_naming_the_record(station_community):
    chip, token = station_community
    body = {"sensordatavalues": [{"value_type": "temperature", "value": "n/a"}]}

    response = _push(chip, token, body)

    assert response.status_code == 400
    assert response.json()["readings"]["0"]["value"]
    assert not Reading.objects.exists()

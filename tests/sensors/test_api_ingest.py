"""The native bulk ingest endpoint as a device sees it: auth, answers, refusals."""

import json

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from sensors import services
from sensors.models import DirtyDay, Reading, Sensor

URL = "/api/v1/readings/"


def record(quantity="air_temperature", observed_at="2026-07-01T12:00:00Z", value=21.5):
    return {"quantity": quantity, "observed_at": observed_at, "value": value}


GOOD_BATCH = {
    "readings": [
        record(observed_at="2026-07-01T12:00:00Z", value=27.5),
        record(observed_at="2026-07-01T12:10:00Z", value=27.9),
        record("relative_humidity", "2026-07-01T12:10:00Z", 61),
    ]
}


def assert_nothing_written():
    assert not Reading.objects.exists()
    assert not DirtyDay.objects.exists()
    assert not Sensor.objects.filter(last_seen_at__isnull=False).exists()


def device(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {token}")
    return client


def test_a_new_batch_is_created(device_client, garden_sensor):
    response = device_client.post(URL, GOOD_BATCH, format="json")

    assert response.status_code == 201
    assert response.json() == {"received": 3, "stored": 3, "duplicates": 0}
    assert Reading.objects.filter(sensor=garden_sensor[0]).count() == 3


def test_a_replay_answers_200_with_everything_duplicate(device_client):
    device_client.post(URL, GOOD_BATCH, format="json")

    replay = device_client.post(URL, GOOD_BATCH, format="json")

    assert replay.status_code == 200
    assert replay.json() == {"received": 3, "stored": 0, "duplicates": 3}
    assert Reading.objects.count() == 3


def test_a_partly_new_batch_is_created_and_counts_its_duplicates(device_client):
    device_client.post(URL, {"readings": GOOD_BATCH["readings"][:1]}, format="json")

    response = device_client.post(URL, GOOD_BATCH, format="json")

    assert response.status_code == 201
    assert response.json() == {"received": 3, "stored": 2, "duplicates": 1}


def test_readings_are_stored_for_the_device_that_sent_them(garden_sensor, other_resident):
    from tests.sensors.conftest import register

    other, other_token = register(other_resident, "garden-b")

    response = device(other_token).post(URL, GOOD_BATCH, format="json")

    assert response.status_code == 201
    assert set(Reading.objects.values_list("sensor", flat=True)) == {other.pk}


# --- authentication -----------------------------------------------------------------------


def test_without_a_header_the_device_is_asked_to_authenticate(api, garden_sensor):
    response = api.post(URL, GOOD_BATCH, format="json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Device")
    assert_nothing_written()


@pytest.mark.parametrize(
    "header",
    ["Device not-the-token", "Device ", "Device two words", "device {token}x"],
    ids=["wrong-token", "no-token", "two-words", "lowercase-keyword-wrong-token"],
)
def test_a_wrong_token_is_refused(api, garden_sensor, header):
    api.credentials(HTTP_AUTHORIZATION=header.format(token=garden_sensor[1]))

    response = api.post(URL, GOOD_BATCH, format="json")

    assert response.status_code == 401
    assert_nothing_written()


def test_a_revoked_token_is_refused(device_client, garden_sensor, resident):
    services.device_tokens_revoke(sensor=garden_sensor[0], actor=resident)

    response = device_client.post(URL, GOOD_BATCH, format="json")

    assert response.status_code == 401
    assert_nothing_written()


def test_a_retired_sensor_is_refused(device_client, garden_sensor):
    Sensor.objects.filter(pk=garden_sensor[0].pk).update(status=Sensor.Status.RETIRED)

    response = device_client.post(URL, GOOD_BATCH, format="json")

    assert response.status_code == 401
    assert not Reading.objects.exists()


def test_a_signed_in_user_is_not_a_device(garden_sensor, resident):
    client = APIClient()
    client.force_login(resident)

    response = client.post(URL, GOOD_BATCH, format="json")

    assert response.status_code in (401, 403)
    assert_nothing_written()


def test_a_user_api_token_is_not_a_device(garden_sensor, resident):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=resident).key}")

    response = client.post(URL, GOOD_BATCH, format="json")

    assert response.status_code in (401, 403)
    assert_nothing_written()


def test_a_device_token_sent_as_a_user_token_is_refused(garden_sensor):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {garden_sensor[1]}")

    response = client.post(URL, GOOD_BATCH, format="json")

    assert response.status_code in (401, 403)
    assert_nothing_written()


# --- bad bodies ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    ['{"readings": [', "readings=1", '{"readings": [{"value": NaN}]}'],
    ids=["truncated", "not-json", "nan-literal"],
)
def test_malformed_json_is_a_400(device_client, body):
    response = device_client.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert_nothing_written()


@pytest.mark.parametrize(
    "body",
    [
        GOOD_BATCH["readings"],
        {"reading": GOOD_BATCH["readings"]},
        {"readings": []},
        {"readings": record()},
        {"readings": None},
    ],
    ids=["bare-list", "misspelt-key", "empty-list", "one-object", "null"],
)
def test_a_body_without_a_list_of_readings_names_readings(device_client, body):
    response = device_client.post(URL, json.dumps(body), content_type="application/json")

    assert response.status_code == 400
    assert "readings" in response.json()
    assert_nothing_written()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (record(quantity="uv_index"), "quantity"),
        (record(observed_at="2026-07-01T12:30:00"), "observed_at"),
        (record(observed_at="2099-01-01T00:00:00Z"), "observed_at"),
        (record(value="27.5"), "value"),
        (record(value=120), "value"),
        (record(quantity=["air_temperature"]), "quantity"),
    ],
    ids=["unknown-quantity", "naive-time", "far-future", "string-value", "120-degrees", "list"],
)
def test_one_bad_record_among_good_ones_is_named_and_nothing_is_stored(device_client, bad, field):
    readings = [*GOOD_BATCH["readings"], bad, record(observed_at="2026-07-01T12:40:00Z")]

    response = device_client.post(URL, {"readings": readings}, format="json")

    assert response.status_code == 400
    problems = response.json()["readings"]
    assert list(problems) == ["3"]
    assert field in problems["3"]
    assert isinstance(problems["3"][field], list) and problems["3"][field]
    assert_nothing_written()


def test_a_number_too_large_for_a_float_is_a_400(device_client):
    body = (
        '{"readings": [{"quantity": "air_temperature", '
        '"observed_at": "2026-07-01T12:00:00Z", "value": 1' + "0" * 400 + "}]}"
    )

    response = device_client.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert "value" in response.json()["readings"]["0"]
    assert_nothing_written()


def test_an_exponent_overflowing_to_infinity_is_a_400(device_client):
    body = (
        '{"readings": [{"quantity": "air_temperature", '
        '"observed_at": "2026-07-01T12:00:00Z", "value": 1e400}]}'
    )

    response = device_client.post(URL, body, content_type="application/json")

    assert response.status_code == 400
    assert "value" in response.json()["readings"]["0"]
    assert_nothing_written()


def test_after_a_refusal_the_corrected_batch_is_stored(device_client):
    bad = {"readings": [*GOOD_BATCH["readings"], record(value="27.5")]}
    assert device_client.post(URL, bad, format="json").status_code == 400

    fixed = {"readings": [*GOOD_BATCH["readings"], record(value=27.5)]}
    response = device_client.post(URL, fixed, format="json")

    assert response.status_code == 201
    # record() repeats the first reading's moment: the fixed batch holds one duplicate.
    assert response.json() == {"received": 4, "stored": 3, "duplicates": 1}

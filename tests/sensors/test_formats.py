"""Device formats: Meet je Stad bit layout, TTN v3 uplinks, sensor.community pushes."""

import base64
from datetime import UTC, datetime

import pytest

from sensors.formats import meetjestad, sensor_community, ttn


def _pack(fields: list[tuple[int, int]]) -> str:
    """Pack (value, width) fields MSB-first, two's complement, as the node does."""
    bits = "".join(f"{value & ((1 << width) - 1):0{width}b}" for value, width in fields)
    return base64.b64encode(int(bits, 2).to_bytes(len(bits) // 8, "big")).decode()


def test_a_port_11_frame_decodes_position_temperature_humidity_and_supply():
    payload = _pack([(1, 8), (1721238, 24), (198574, 24), (344, 12), (884, 12), (230, 8)])

    frame = meetjestad.decode(payload, 11)

    assert frame.firmware == 1
    assert frame.latitude == pytest.approx(52.528, abs=1e-4)
    assert frame.longitude == pytest.approx(6.06, abs=1e-4)
    assert (frame.temperature, frame.humidity, frame.supply_mv, frame.lux) == (
        21.5,
        55.25,
        3300,
        None,
    )


def test_negative_temperatures_and_port_12_light_are_decoded():
    payload = _pack(
        [(3, 8), (1721238, 24), (198574, 24), (-56, 12), (1440, 12), (200, 8), (812, 16)]
    )

    frame = meetjestad.decode(payload, 12)

    assert frame.temperature == -3.5
    assert frame.humidity == 90.0
    assert frame.lux == 812


def test_no_gps_fix_gives_no_position_and_a_trailing_battery_byte_is_ignored():
    payload = _pack([(1, 8), (0, 24), (0, 24), (320, 12), (800, 12), (230, 8), (77, 8)])

    frame = meetjestad.decode(payload, 11)

    assert (frame.latitude, frame.longitude, frame.temperature) == (None, None, 20.0)


@pytest.mark.parametrize(
    ("payload", "port"), [("AAAA", 11), ("not base64!", 11), (_pack([(1, 8)] * 11), 10)]
)
def test_short_garbled_or_foreign_frames_are_refused(payload, port):
    with pytest.raises(ValueError):
        meetjestad.decode(payload, port)


def test_encode_is_the_inverse_of_decode():
    frame = meetjestad.MeetJeStadFrame(2, 52.5, 6.0625, -1.25, 61.5, 3410, 999)

    assert meetjestad.decode(meetjestad.encode(frame, 12), 12) == frame


UPLINK = {
    "end_device_ids": {
        "device_id": "garden-001",
        "application_ids": {"application_id": "senshagen"},
        "dev_eui": "0004A30B001C0530",
        "join_eui": "800000000000000C",
        "dev_addr": "00BCB929",
    },
    "correlation_ids": ["as:up:01H0000000000000000000000"],
    "received_at": "2026-07-01T12:00:01.014773143Z",
    "uplink_message": {
        "f_port": 1,
        "f_cnt": 12,
        "frm_payload": "gkHe",
        "decoded_payload": {"temperature": 28.4, "humidity": 51.2, "battery": 3.61},
        "rx_metadata": [{"gateway_ids": {"gateway_id": "gtw1"}, "rssi": -35, "snr": 5.2}],
        "settings": {"data_rate": {"lora": {"bandwidth": 125000, "spreading_factor": 7}}},
        "received_at": "2026-07-01T12:00:00.998877665Z",
        "consumed_airtime": "0.056576s",
    },
}


def test_a_ttn_uplink_maps_decoded_fields_and_keeps_the_uplink_time():
    records, ignored = ttn.records(UPLINK)

    assert sorted((r["quantity"], r["value"]) for r in records) == [
        ("air_temperature", 28.4),
        ("relative_humidity", 51.2),
    ]
    assert {r["observed_at"] for r in records} == {"2026-07-01T12:00:00.998877665Z"}
    assert ignored == ["battery"]
    assert ttn.device_id(UPLINK) == "garden-001"


def test_a_ttn_uplink_without_decoded_payload_is_decoded_as_meet_je_stad():
    payload = _pack([(1, 8), (1721238, 24), (198574, 24), (344, 12), (884, 12), (230, 8)])
    uplink = {
        **UPLINK,
        "uplink_message": {
            "f_port": 11,
            "frm_payload": payload,
            "received_at": "2026-07-01T12:15:00Z",
        },
    }

    records, _ = ttn.records(uplink)

    assert sorted((r["quantity"], r["value"]) for r in records) == [
        ("air_temperature", 21.5),
        ("relative_humidity", 55.25),
    ]


def test_an_uplink_without_anything_we_can_read_names_the_field():
    uplink = {
        **UPLINK,
        "uplink_message": {
            "f_port": 1,
            "frm_payload": "gkHe",
            "received_at": "2026-07-01T12:15:00Z",
        },
    }

    with pytest.raises(ttn.PayloadError) as caught:
        ttn.records(uplink)

    assert caught.value.field == "uplink_message.decoded_payload"


def test_a_sensor_community_push_maps_string_values_and_ignores_other_sensors():
    body = {
        "esp8266id": "12345678",
        "software_version": "NRZ-2024-135",
        "sensordatavalues": [
            {"value_type": "SDS_P1", "value": "12.30"},
            {"value_type": "temperature", "value": "21.50"},
            {"value_type": "humidity", "value": "48.20"},
            {"value_type": "signal", "value": "-71"},
        ],
    }
    received = datetime(2026, 7, 1, 12, 3, 41, 250000, tzinfo=UTC)

    records, ignored = sensor_community.records(body, received)

    assert sorted((r["quantity"], r["value"]) for r in records) == [
        ("air_temperature", 21.5),
        ("relative_humidity", 48.2),
    ]
    assert {r["observed_at"] for r in records} == {"2026-07-01T12:03:00+00:00"}
    assert ignored == ["SDS_P1", "signal"]

"""The Things Stack v3 uplink webhook → native reading records."""

from __future__ import annotations

from typing import Any

from sensors.formats import meetjestad

# decoded_payload field names seen in common TTN payload formatters.
DECODED_FIELDS = {
    "temperature": "air_temperature",
    "air_temperature": "air_temperature",
    "temp": "air_temperature",
    "humidity": "relative_humidity",
    "relative_humidity": "relative_humidity",
    "soil_moisture": "soil_moisture",
    "soilMoisture": "soil_moisture",
    "precipitation": "precipitation",
    "rain": "precipitation",
    "wet_feet": "wet_feet",
    "water_detected": "wet_feet",
}


class PayloadError(ValueError):
    """The uplink lacks what we need; the message names the field."""

    def __init__(self, field: str, message: str):
        self.field = field
        super().__init__(message)


def device_id(body: Any) -> str:
    if not isinstance(body, dict):
        raise PayloadError("end_device_ids", "the body is not an uplink object")
    ids = body.get("end_device_ids")
    if not isinstance(ids, dict) or not isinstance(ids.get("device_id"), str):
        raise PayloadError("end_device_ids.device_id", "missing device id")
    return ids["device_id"]


def records(body: dict) -> tuple[list[dict], list[str]]:
    """(native records, ignored decoded field names) of one uplink."""
    uplink = body.get("uplink_message")
    if not isinstance(uplink, dict):
        raise PayloadError("uplink_message", "missing uplink_message")
    # TTN leaves out empty/zero fields; the uplink's own time is the best clock,
    # and it makes a redelivered uplink a harmless replay.
    observed_at = uplink.get("received_at") or body.get("received_at")
    if not observed_at:
        raise PayloadError("uplink_message.received_at", "missing received_at")
    decoded = uplink.get("decoded_payload")
    values: dict[str, Any] = {}
    ignored: list[str] = []
    if isinstance(decoded, dict) and decoded:
        for name, value in decoded.items():
            if name in DECODED_FIELDS:
                values[DECODED_FIELDS[name]] = value
            else:
                ignored.append(name)
    elif uplink.get("frm_payload") and uplink.get("f_port", 0) in meetjestad.PORTS:
        try:
            frame = meetjestad.decode(uplink["frm_payload"], uplink["f_port"])
        except ValueError as error:
            raise PayloadError("uplink_message.frm_payload", str(error)) from None
        values = {"air_temperature": frame.temperature, "relative_humidity": frame.humidity}
    else:
        raise PayloadError(
            "uplink_message.decoded_payload",
            "no decoded_payload, and frm_payload is not a known layout (Meet je Stad port 11/12)",
        )
    return (
        [{"quantity": q, "observed_at": observed_at, "value": v} for q, v in values.items()],
        ignored,
    )

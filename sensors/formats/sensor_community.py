"""sensor.community (luftdaten) firmware push → native reading records."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

# value_type names by sensor (DHT22 / SHT3x / HTU21D on pin 7, BME280 on 11, ...).
VALUE_TYPES = {
    "temperature": "air_temperature",
    "humidity": "relative_humidity",
    "BME280_temperature": "air_temperature",
    "BME280_humidity": "relative_humidity",
    "SHT3X_temperature": "air_temperature",
    "SHT3X_humidity": "relative_humidity",
    "HTU21D_temperature": "air_temperature",
    "HTU21D_humidity": "relative_humidity",
}


def records(body: Any, received: datetime | None = None) -> tuple[list[dict], list[str]]:
    """(native records, ignored value types); values arrive as strings.

    The firmware sends no timestamp, so the time is when we received the push,
    floored to the minute: a push resent within the same minute is a replay.
    """
    if not isinstance(body, dict) or not isinstance(body.get("sensordatavalues"), list):
        raise ValueError("sensordatavalues")
    moment = (received or timezone.now()).replace(second=0, microsecond=0)
    out, ignored = [], []
    for item in body["sensordatavalues"]:
        kind = item.get("value_type") if isinstance(item, dict) else None
        if kind not in VALUE_TYPES:
            # Particulates, pressure, wifi signal, ...: not quantities this service tracks.
            ignored.append(str(kind))
            continue
        raw = item.get("value")
        try:
            value = float(raw) if isinstance(raw, str) else raw
        except ValueError:
            value = raw  # the native check names it as not a number
        out.append(
            {"quantity": VALUE_TYPES[kind], "observed_at": moment.isoformat(), "value": value}
        )
    return out, ignored

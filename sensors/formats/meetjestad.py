"""Decoder of the Meet je Stad node's LoRaWAN payload (ports 11 and 12).

An MSB-first bit stream, signed fields in two's complement:
firmware version:8 | latitude * 32768:24 | longitude * 32768:24 |
temperature * 16:12 | humidity * 16:12 | (supply mV - 1000)/10:8 [| lux:16]
(11 bytes; 13 with lux; an optional battery byte may follow).
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

PORTS = (11, 12)


@dataclass(frozen=True)
class MeetJeStadFrame:
    firmware: int
    latitude: float | None  # None without a GPS fix (sent as zero)
    longitude: float | None
    temperature: float
    humidity: float
    supply_mv: int
    lux: int | None


class _Bits:
    """Reads unsigned and signed big-endian bit fields from bytes."""

    def __init__(self, data: bytes):
        self.value = int.from_bytes(data, "big")
        self.left = len(data) * 8

    def unsigned(self, width: int) -> int:
        if width > self.left:
            raise ValueError("payload too short")
        self.left -= width
        return (self.value >> self.left) & ((1 << width) - 1)

    def signed(self, width: int) -> int:
        raw = self.unsigned(width)
        return raw - (1 << width) if raw & (1 << (width - 1)) else raw


def decode(frm_payload: str, f_port: int) -> MeetJeStadFrame:
    """Decode a base64 frm_payload; ValueError when it is not a Meet je Stad frame."""
    if f_port not in PORTS:
        raise ValueError(f"port {f_port} is not a Meet je Stad port")
    try:
        data = base64.b64decode(frm_payload, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("frm_payload is not base64") from None
    needed = 13 if f_port == 12 else 11
    if len(data) < needed:
        raise ValueError(f"payload has {len(data)} bytes, port {f_port} needs {needed}")
    bits = _Bits(data[:needed])
    firmware = bits.unsigned(8)
    lat_raw, lon_raw = bits.signed(24), bits.signed(24)
    temperature = bits.signed(12) / 16
    humidity = bits.unsigned(12) / 16
    supply_mv = bits.unsigned(8) * 10 + 1000
    lux = bits.unsigned(16) if f_port == 12 else None
    no_fix = lat_raw == 0 and lon_raw == 0
    return MeetJeStadFrame(
        firmware=firmware,
        latitude=None if no_fix else lat_raw / 32768,
        longitude=None if no_fix else lon_raw / 32768,
        temperature=temperature,
        humidity=humidity,
        supply_mv=supply_mv,
        lux=lux,
    )


def encode(frame: MeetJeStadFrame, f_port: int = 11) -> str:
    """The inverse of decode (for the demo network and tests)."""
    fields = [
        (frame.firmware, 8),
        (round((frame.latitude or 0) * 32768), 24),
        (round((frame.longitude or 0) * 32768), 24),
        (round(frame.temperature * 16), 12),
        (round(frame.humidity * 16), 12),
        ((frame.supply_mv - 1000) // 10, 8),
    ]
    if f_port == 12:
        fields.append((frame.lux or 0, 16))
    value, width_total = 0, 0
    for number, width in fields:
        value = (value << width) | (number & ((1 << width) - 1))
        width_total += width
    return base64.b64encode(value.to_bytes(width_total // 8, "big")).decode()

"""Bulk ingest of readings: validate a whole batch, then store it in one set-based statement.

Policy for a batch with bad records: the whole batch is refused (400 naming
each bad record and field) and nothing is written, so a device or uploader
can fix and resend it as a unit; no half-stored batch has to be reconciled.
Every path is idempotent: a replayed batch stores nothing new and still
answers 2xx.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import psycopg
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from civic.queueing import queue_debounced
from sensors.models import Sensor
from sensors.quantities import QUANTITIES

logger = logging.getLogger(__name__)

MAX_BATCH = 10_000
# Device clocks drift; a reading a few minutes ahead is normal, hours ahead is not.
FUTURE_TOLERANCE = timedelta(minutes=10)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


class BatchRejected(ValidationError):
    """A batch with bad records; `problems` maps record index → field → messages."""

    def __init__(self, problems: dict[str, dict[str, list[str]]]):
        self.problems = problems
        super().__init__(
            {
                "readings": [
                    f"#{index} {field}: {message}"
                    for index, fields in problems.items()
                    for field, messages in fields.items()
                    for message in messages
                ]
            }
        )


@dataclass(frozen=True)
class ParsedReading:
    quantity: str
    observed_at: datetime
    value: float


@dataclass(frozen=True)
class IngestResult:
    received: int
    stored: int

    @property
    def duplicates(self) -> int:
        return self.received - self.stored


def _parse_time(raw) -> datetime:
    if isinstance(raw, datetime):
        moment = raw
    elif isinstance(raw, str):
        try:
            moment = parse_datetime(raw.strip().replace(" ", "T", 1))
        except ValueError:
            moment = None
        if moment is None:
            raise ValueError(_("Give an ISO 8601 time, e.g. 2026-07-01T12:00:00Z."))
    else:
        raise ValueError(_("Give an ISO 8601 time, e.g. 2026-07-01T12:00:00Z."))
    if timezone.is_naive(moment):
        raise ValueError(_("Give the time with its offset or Z (UTC)."))
    if moment > timezone.now() + FUTURE_TOLERANCE:
        raise ValueError(_("This time lies in the future."))
    if moment < EARLIEST:
        raise ValueError(_("This time lies before 2000."))
    return moment


def _parse_value(raw, quantity: str | None) -> float:
    # bool is an int in Python; true/false is not a measurement (except wet feet).
    if isinstance(raw, bool):
        if quantity == "wet_feet":
            return 1.0 if raw else 0.0
        raise ValueError(_("Give a number."))
    if not isinstance(raw, int | float):
        raise ValueError(_("Give a number."))
    try:
        value = float(raw)
    except OverflowError:  # a JSON integer with hundreds of digits
        raise ValueError(_("Give a finite number.")) from None
    if not math.isfinite(value):
        raise ValueError(_("Give a finite number."))
    spec = QUANTITIES.get(quantity or "")
    if spec and not (spec.minimum <= value <= spec.maximum):
        raise ValueError(
            _("%(value)s %(unit)s is impossible for %(quantity)s.")
            % {"value": value, "unit": spec.unit, "quantity": quantity}
        )
    return value


def readings_parse(*, sensor: Sensor, records) -> list[ParsedReading]:
    """Check every record; raise one ValidationError naming each bad record and field."""
    if not isinstance(records, list) or not records:
        raise ValidationError({"readings": [_("Send a non-empty list of readings.")]})
    if len(records) > MAX_BATCH:
        raise ValidationError(
            {"readings": [_("Send at most %(n)d readings at once.") % {"n": MAX_BATCH}]}
        )
    parsed: list[ParsedReading] = []
    problems: dict[str, dict[str, list[str]]] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            problems[str(index)] = {"non_field_errors": [_("Each reading is an object.")]}
            continue
        errors: dict[str, list[str]] = {}
        quantity = record.get("quantity")
        if not isinstance(quantity, str) or quantity not in QUANTITIES:
            errors["quantity"] = [
                _("Unknown quantity; use one of %(known)s.") % {"known": ", ".join(QUANTITIES)}
            ]
            quantity = None
        elif quantity not in sensor.quantities:
            errors["quantity"] = [_("This sensor is not registered as measuring it.")]
        observed_at = value = None
        try:
            observed_at = _parse_time(record.get("observed_at"))
        except ValueError as error:
            errors["observed_at"] = [str(error)]
        try:
            value = _parse_value(record.get("value"), quantity)
        except ValueError as error:
            errors["value"] = [str(error)]
        if errors:
            problems[str(index)] = errors
        else:
            parsed.append(ParsedReading(quantity, observed_at, value))
    if problems:
        raise BatchRejected(problems)
    return parsed


# One statement (one round trip per batch): insert the new readings (a replay
# conflicts and adds nothing), mark the (sensor, local day) and (sensor, local
# month) pairs that got new data as dirty in the same transaction (the months
# for the station-month checks, sensors.qc), note that the sensor was heard
# from, and count what was stored.
_INGEST_SQL = """
WITH incoming AS (
    SELECT q, t, v FROM unnest(%(q)b::text[], %(t)b::timestamptz[], %(v)b::float8[]) AS r(q, t, v)
), inserted AS (
    INSERT INTO sensors_reading (sensor_id, quantity, observed_at, value, received_at)
    SELECT %(sensor)s, q, t, v, now() FROM incoming
    ON CONFLICT ON CONSTRAINT reading_once DO NOTHING
    RETURNING observed_at
), marked AS (
    INSERT INTO sensors_dirtyday (sensor_id, day, marked_at)
    SELECT DISTINCT %(sensor)s, (observed_at AT TIME ZONE %(tz)s)::date, now() FROM inserted
    ON CONFLICT (sensor_id, day) DO UPDATE SET marked_at = excluded.marked_at
    RETURNING day
), months AS (
    INSERT INTO sensors_dirtymonth (sensor_id, month, changes, marked_at)
    SELECT DISTINCT %(sensor)s, date_trunc('month', day)::date, 1, now() FROM marked
    ON CONFLICT (sensor_id, month) DO UPDATE
        SET changes = sensors_dirtymonth.changes + 1, marked_at = excluded.marked_at
), seen AS (
    -- hearing from a silent sensor makes it active again; a retired one stays so
    UPDATE sensors_sensor SET last_seen_at = clock_timestamp(),
        status = CASE WHEN status = 'silent' THEN 'active' ELSE status END
    WHERE id = %(sensor)s
    RETURNING 1
)
SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM marked), (SELECT count(*) FROM seen)
"""


def readings_store(*, sensor: Sensor, readings: list[ParsedReading]) -> IngestResult:
    """Store parsed readings of one sensor in bulk and mark their days dirty."""
    with transaction.atomic():
        connection.ensure_connection()
        # A server-binding cursor: Django's default client-side binding would spell
        # every value of the arrays out in the SQL text; and the arrays go in
        # binary (%b), which skips quoting thousands of elements (measured in bench/).
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(
                _INGEST_SQL,
                {
                    "sensor": sensor.pk,
                    "q": [r.quantity for r in readings],
                    "t": [r.observed_at for r in readings],
                    "v": [r.value for r in readings],
                    "tz": settings.TIME_ZONE,
                },
            )
            stored, _marked, _seen = cursor.fetchone()
    if stored:
        transaction.on_commit(_queue_recompute)
    return IngestResult(received=len(readings), stored=stored)


RECOMPUTE_QUEUED_KEY = "sensors:recompute-queued"


def _queue_recompute() -> None:
    """Queue one recompute for a burst of ingests (it handles every dirty marker)."""
    from sensors.tasks import recompute_dirty_days

    queue_debounced(
        recompute_dirty_days,
        key=RECOMPUTE_QUEUED_KEY,
        debounce=settings.SENSORS_RECOMPUTE_DEBOUNCE_S,
    )


def readings_ingest(*, sensor: Sensor, records) -> IngestResult:
    """Validate a batch of raw records for one sensor and store it whole, or refuse it whole."""
    return readings_store(sensor=sensor, readings=readings_parse(sensor=sensor, records=records))

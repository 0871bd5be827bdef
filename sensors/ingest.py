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
from collections.abc import Iterator
from contextlib import contextmanager
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
from sensors.workflow import sensors_heard_again

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


def _parse_time(raw, latest: datetime) -> datetime:
    if isinstance(raw, str):
        text = raw.strip().replace(" ", "T", 1)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            # What Python's parser does not take, Django's looser one may (parse_datetime).
            try:
                moment = parse_datetime(text)
            except ValueError:
                moment = None
        if moment is None:
            raise ValueError(_("Give an ISO 8601 time, e.g. 2026-07-01T12:00:00Z."))
    elif isinstance(raw, datetime):
        moment = raw
    else:
        raise ValueError(_("Give an ISO 8601 time, e.g. 2026-07-01T12:00:00Z."))
    if moment.utcoffset() is None:  # timezone.is_naive, without its call per reading
        raise ValueError(_("Give the time with its offset or Z (UTC)."))
    if moment > latest:
        raise ValueError(_("This time lies in the future."))
    if moment < EARLIEST:
        raise ValueError(_("This time lies before 2000."))
    return moment


def _parse_value(raw, quantity: str | None) -> float:
    if raw.__class__ is float:  # the common case first: a JSON or CSV number
        value = raw
    elif isinstance(raw, bool):
        # bool is an int in Python; true/false is not a measurement (except wet feet).
        if quantity == "wet_feet":
            return 1.0 if raw else 0.0
        raise ValueError(_("Give a number."))
    elif isinstance(raw, int | float):
        try:
            value = float(raw)
        except OverflowError:  # a JSON integer with hundreds of digits
            raise ValueError(_("Give a finite number.")) from None
    else:
        raise ValueError(_("Give a number."))
    if not math.isfinite(value):
        raise ValueError(_("Give a finite number."))
    spec = QUANTITIES.get(quantity or "")
    if spec and not (spec.minimum <= value <= spec.maximum):
        raise ValueError(
            _("%(value)s %(unit)s is impossible for %(quantity)s.")
            % {"value": value, "unit": spec.unit, "quantity": quantity}
        )
    return value


class RecordRejected(ValueError):
    """One reading with bad fields; `errors` maps field → messages."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__(errors)
        self.errors = errors


class ReadingChecks:
    """The checks of one reading, shared by every ingest path (API, webhooks, CSV files).

    The clock is read once, when the batch or file starts: per reading it cost
    a third of the checking time of a large file.
    """

    def __init__(self, *, now: datetime | None = None):
        self.latest = (now or timezone.now()) + FUTURE_TOLERANCE

    def reading(self, quantity, observed_at, value, measured) -> tuple[str, datetime, float]:
        """(quantity, time, value) checked, or RecordRejected naming every bad field.

        `measured` holds the quantities the sensor is registered for.
        """
        errors: dict[str, list[str]] | None = None
        if not isinstance(quantity, str) or quantity not in QUANTITIES:
            errors = {
                "quantity": [
                    _("Unknown quantity; use one of %(known)s.") % {"known": ", ".join(QUANTITIES)}
                ]
            }
            quantity = None
        elif quantity not in measured:
            errors = {"quantity": [_("This sensor is not registered as measuring it.")]}
        try:
            observed_at = _parse_time(observed_at, self.latest)
        except ValueError as error:
            errors = errors or {}
            errors["observed_at"] = [str(error)]
        try:
            value = _parse_value(value, quantity)
        except ValueError as error:
            errors = errors or {}
            errors["value"] = [str(error)]
        if errors:
            raise RecordRejected(errors)
        return quantity, observed_at, value


def readings_parse(*, sensor: Sensor, records) -> list[ParsedReading]:
    """Check every record; raise one ValidationError naming each bad record and field."""
    if not isinstance(records, list) or not records:
        raise ValidationError({"readings": [_("Send a non-empty list of readings.")]})
    if len(records) > MAX_BATCH:
        raise ValidationError(
            {"readings": [_("Send at most %(n)d readings at once.") % {"n": MAX_BATCH}]}
        )
    checks = ReadingChecks()
    parsed: list[ParsedReading] = []
    problems: dict[str, dict[str, list[str]]] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            problems[str(index)] = {"non_field_errors": [_("Each reading is an object.")]}
            continue
        try:
            checked = checks.reading(
                record.get("quantity"),
                record.get("observed_at"),
                record.get("value"),
                sensor.quantities,
            )
        except RecordRejected as rejected:
            problems[str(index)] = rejected.errors
        else:
            parsed.append(ParsedReading(*checked))
    if problems:
        raise BatchRejected(problems)
    return parsed


# One statement (one round trip per batch): insert the new readings (a replay
# conflicts and adds nothing), mark the (sensor, local day) and (sensor, local
# month) pairs that got new data as dirty in the same transaction (the months
# for the station-month checks, sensors.qc), note that the sensors in `seen`
# were heard from, count what was stored and name those of them that were
# silent (the caller makes them active again through the workflow). The device
# API sends one sensor's batch; a file import sends chunks of many sensors
# (ReadingsPipeline).
_INGEST_SQL = """
WITH incoming AS (
    SELECT s, q, t, v
    FROM unnest(%(s)b::bigint[], %(q)b::text[], %(t)b::timestamptz[], %(v)b::float8[])
        AS r(s, q, t, v)
), inserted AS (
    INSERT INTO sensors_reading (sensor_id, quantity, observed_at, value, received_at)
    SELECT s, q, t, v, now() FROM incoming
    ON CONFLICT ON CONSTRAINT reading_once DO NOTHING
    RETURNING sensor_id, observed_at
), marked AS (
    INSERT INTO sensors_dirtyday (sensor_id, day, marked_at)
    SELECT DISTINCT sensor_id, (observed_at AT TIME ZONE %(tz)s)::date, now() FROM inserted
    ON CONFLICT (sensor_id, day) DO UPDATE SET marked_at = excluded.marked_at
    RETURNING sensor_id, day
), months AS (
    INSERT INTO sensors_dirtymonth (sensor_id, month, changes, marked_at)
    SELECT DISTINCT sensor_id, date_trunc('month', day)::date, 1, now() FROM marked
    ON CONFLICT (sensor_id, month) DO UPDATE
        SET changes = sensors_dirtymonth.changes + 1, marked_at = excluded.marked_at
), seen AS (
    -- a silent sensor becomes active again through the workflow (the caller)
    UPDATE sensors_sensor SET last_seen_at = clock_timestamp()
    WHERE id = ANY(%(seen)s::bigint[])
    RETURNING id, status
)
SELECT (SELECT count(*) FROM inserted), (SELECT count(*) FROM marked),
       (SELECT array_agg(id) FROM seen WHERE status = 'silent')
"""


def _ingest_params(
    sensor_ids: list[int],
    quantities: list[str],
    times: list[datetime],
    values: list[float],
    seen: list[int],
) -> dict:
    return {
        "s": sensor_ids,
        "q": quantities,
        "t": times,
        "v": values,
        "seen": seen,
        "tz": settings.TIME_ZONE,
    }


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
                _ingest_params(
                    [sensor.pk] * len(readings),
                    [r.quantity for r in readings],
                    [r.observed_at for r in readings],
                    [r.value for r in readings],
                    [sensor.pk],
                ),
            )
            stored, _marked, silent = cursor.fetchone()
        if silent:
            # Rare, and the sensor's row is ours already: one audit event, no extra
            # query for the active sensors that send nearly every batch.
            sensors_heard_again(sensor_ids=[sensor.pk])
            sensor.status = Sensor.Status.ACTIVE
    if stored:
        transaction.on_commit(queue_recompute)
    return IngestResult(received=len(readings), stored=stored)


class ReadingsPipeline:
    """Chunks of readings of many sensors on their way to _INGEST_SQL (see readings_pipeline)."""

    def __init__(self, raw_connection: psycopg.Connection) -> None:
        self._connection = raw_connection
        self._cursors: list[psycopg.Cursor] = []
        self.sent = 0
        self.stored = 0

    def send(
        self,
        sensor_ids: list[int],
        quantities: list[str],
        times: list[datetime],
        values: list[float],
    ) -> None:
        """Queue one chunk (parallel lists).

        A file an officer uploads is not the device reporting: it does not make a
        sensor "last seen" now, nor wake a silent one (last summer's logger file
        says nothing about whether the device still works).
        """
        if not sensor_ids:
            return
        cursor = psycopg.Cursor(self._connection)
        cursor.execute(_INGEST_SQL, _ingest_params(sensor_ids, quantities, times, values, []))
        self._cursors.append(cursor)
        self.sent += len(sensor_ids)

    def _collect(self) -> int:
        stored = 0
        for cursor in self._cursors:
            stored += cursor.fetchone()[0]
            cursor.close()
        self._cursors = []
        return stored


@contextmanager
def readings_pipeline() -> Iterator[ReadingsPipeline]:
    """Store readings of many sensors chunk by chunk, pipelined, in the caller's transaction.

    For file imports: each chunk is sent without waiting for PostgreSQL's
    answer (psycopg's pipeline mode), so the caller reads and checks the next
    chunk of the file while the server stores this one; on leaving the block
    every answer is in and `stored` counts the new readings (duplicates left
    out). An error rolls back with the caller's transaction.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("readings_pipeline() runs inside the caller's transaction.")
    connection.ensure_connection()
    raw = connection.connection
    pipeline = ReadingsPipeline(raw)
    with raw.pipeline():
        yield pipeline
    pipeline.stored = pipeline._collect()
    if pipeline.stored:
        transaction.on_commit(queue_recompute)


RECOMPUTE_QUEUED_KEY = "sensors:recompute-queued"


def queue_recompute() -> None:
    """Queue one recompute for a burst of changes (it handles every dirty marker).

    Also how the core queues this source when its evidence went stale.
    """
    from sensors.tasks import recompute_dirty_days

    queue_debounced(
        recompute_dirty_days,
        key=RECOMPUTE_QUEUED_KEY,
        debounce=settings.SENSORS_RECOMPUTE_DEBOUNCE_S,
    )


def readings_ingest(*, sensor: Sensor, records) -> IngestResult:
    """Validate a batch of raw records for one sensor and store it whole, or refuse it whole."""
    return readings_store(sensor=sensor, readings=readings_parse(sensor=sensor, records=records))

"""A summer month loaded months later: QC flags every planted fault and few honest sensors.

The generated district (sensors.qc_district): 150 gardens, a green-share
warmth gradient, three paved gardens 1.5 °C warmer day and night, and 16
planted faults (stuck, sun-exposed, offset, drift, spiky, noisy, indoor).
Its July arrives in November as one backfill through the ingest; the
recompute queued on commit runs QC, the month checks and the statistics.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine
from django.db import connection, transaction
from django.db.models import Avg

from sensors import qc_district
from sensors.models import DirtyMonth, SensorDay, SensorMonthFlag

AMS = ZoneInfo("Europe/Amsterdam")
JULY = date(2025, 7, 1)
# "Flagged" (the README's definition): a station-month flag, or more than 1 %
# of the month's readings flagged by a per-reading check.
READING_SHARE = 0.01


def flagged_sensors() -> dict[str, str]:
    """external id -> why, for every sensor QC flagged in July."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.external_id,
                   (SELECT count(*) FROM sensors_reading r WHERE r.sensor_id = s.id),
                   (SELECT count(DISTINCT f.observed_at) FROM sensors_readingflag f
                    WHERE f.sensor_id = s.id),
                   (SELECT string_agg(m.check_name, ', ' ORDER BY m.check_name)
                    FROM sensors_sensormonthflag m WHERE m.sensor_id = s.id AND m.month = %s)
            FROM sensors_sensor s WHERE s.external_id LIKE %s
            """,
            [JULY, qc_district.PREFIX + "%"],
        )
        rows = cursor.fetchall()
    return {
        external_id: f"{flags}/{readings} readings flagged; month: {month or '-'}"
        for external_id, readings, flags, month in rows
        if month or flags > READING_SHARE * readings
    }


def test_month_qc_on_a_backfilled_district_flags_every_fault_and_few_honest_sensors(
    officer, municipality, django_capture_on_commit_callbacks
):
    # given the district's July, arriving on 20 November in one transaction
    with (
        time_machine.travel(datetime(2025, 11, 20, 14, tzinfo=AMS), tick=False),
        django_capture_on_commit_callbacks(execute=True) as queued,
        transaction.atomic(),
    ):
        planted = qc_district.district_load(actor=officer, start=JULY, days=31)
    # then its commit queued the recompute (eager here), which did the rest
    assert queued
    flagged = flagged_sensors()

    faulty = {p.external_id: p.fault for p in planted if not p.honest}
    missed = {
        external_id: fault for external_id, fault in faulty.items() if external_id not in flagged
    }
    assert not missed, f"planted faults QC did not flag: {missed}"
    honest = [p.external_id for p in planted if p.honest]
    false = {external_id: flagged[external_id] for external_id in honest if external_id in flagged}
    assert len(false) <= 0.05 * len(honest), f"honest sensors flagged: {false}"

    # the month checks ran at once, before the statistics: no month waits, and
    # a month-flagged sensor's July is out of the figures
    assert not DirtyMonth.objects.exists()
    month_flagged = set(SensorMonthFlag.objects.filter(month=JULY).values_list("sensor", flat=True))
    assert month_flagged
    assert not SensorDay.objects.filter(sensor__in=month_flagged, t_count__gt=0).exists()

    # the paved gardens (1.5 °C warmer day and night) keep their warmth in the figures
    paved = SensorDay.objects.filter(
        sensor__external_id__in=[p.external_id for p in planted if p.paved]
    )
    assert paved.filter(t_count__gt=0).count() == 31 * qc_district.PAVED
    warmth = paved.aggregate(day=Avg("day_anomaly"), night=Avg("night_anomaly"))
    assert warmth["day"] > 1.2 and warmth["night"] > 1.2

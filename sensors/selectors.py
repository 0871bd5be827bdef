"""Read-side queries of the sensor network, each aware of who is asking."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from django.db import connection
from django.db.models import Avg, Case, Count, IntegerField, Q, QuerySet, Sum, When
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civic.models import EvidencePeriod
from civic.roles import is_staff_member
from sensors.models import (
    DirtyMonth,
    MonthCheck,
    ReadingFlag,
    Sensor,
    SensorDay,
    SensorMonthFlag,
)

# Quality-control checks in words (sensors.qc): a short name, and what it means.
CHECK_LABELS = {
    "range": gettext_lazy("Impossible value"),
    "stuck": gettext_lazy("Stuck value"),
    "spike": gettext_lazy("Spike"),
    "network_z": gettext_lazy("Too warm or cold by day"),
    "month_fail_rate": gettext_lazy("Often off the network"),
    "month_correlation": gettext_lazy("Does not follow the weather"),
    "buddy": gettext_lazy("Off its neighbours"),
}
CHECK_EXPLANATIONS = {
    "range": gettext_lazy("A value outside what is plausible here (-30 to 45 °C)."),
    "stuck": gettext_lazy("The same value for six hours or more: the sensor may hang."),
    "spike": gettext_lazy("A jump of more than 5 °C and straight back: a glitch."),
    "network_z": gettext_lazy(
        "By day far warmer or colder than the rest of the network, beyond its own "
        "difference at night: often direct sun on the sensor. A garden that is warmer "
        "by night as well keeps that warmth."
    ),
    "month_fail_rate": gettext_lazy(
        "More than a fifth of its daytime readings in the month were too warm or cold: "
        "the whole month is left out."
    ),
    "month_correlation": gettext_lazy(
        "Over the month it did not follow the network's ups and downs: the whole month is left out."
    ),
    "buddy": gettext_lazy(
        "In more than a fifth of the month's hours it lay far (3 °C or more) from its "
        "neighbours within 3 km: the whole month is left out."
    ),
}
READING_CHECKS = ("range", "stuck", "spike", "network_z")
MONTH_CHECKS = ("month_fail_rate", "month_correlation", "buddy")


@dataclass(frozen=True)
class CheckInWords:
    """One quality-control check as people read it: name, meaning, and what it found."""

    label: str
    explanation: str
    readings: int | None = None  # readings it flagged (per-reading checks)
    sensors: int | None = None  # sensors it flagged
    detail: str = ""  # what a station-month check measured


def check_in_words(code: str, **found) -> CheckInWords:
    """A check's name and meaning in the active language; never the bare code."""
    return CheckInWords(
        label=str(CHECK_LABELS.get(code, _("Other check"))),
        explanation=str(CHECK_EXPLANATIONS.get(code, "")),
        **found,
    )


def month_flag_detail(flag: SensorMonthFlag) -> str:
    """What a station-month check measured, in the active language."""
    if flag.value is None:
        return str(_("no variation at all")) if flag.check_name == "month_correlation" else ""
    if flag.check_name == "month_correlation":
        return _("correlation %(rho)s with the network") % {"rho": number_format(flag.value, 2)}
    share = {"percent": number_format(100 * flag.value, 0)}
    if flag.check_name == "month_fail_rate":
        return _("%(percent)s %% of its daytime readings") % share
    return _("%(percent)s %% of its hours") % share


def sensors_managed_by(*, user) -> QuerySet[Sensor]:
    """The sensors a resident hosts; officers manage all of them."""
    queryset = Sensor.objects.select_related("area", "owner").order_by("external_id")
    return queryset if is_staff_member(user) else queryset.filter(owner=user)


def sensor_recent_days(*, sensor: Sensor, days: int = 14) -> list[dict]:
    """The sensor's last days next to the median of the sensors in its neighbourhood."""
    with connection.cursor() as cursor:
        # One query: the sensor's days and, per day, the median over its area.
        cursor.execute(
            """
            WITH mine AS (
                SELECT day, t_min, t_max, night_anomaly, soil_mean, dry_spell_days,
                       wet_spell_days
                FROM sensors_sensorday
                WHERE sensor_id = %(sensor)s ORDER BY day DESC LIMIT %(days)s
            )
            SELECT m.day, m.t_min, m.t_max, m.night_anomaly, m.soil_mean, m.dry_spell_days,
                   m.wet_spell_days,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY d.t_min) AS area_t_min,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY d.t_max) AS area_t_max
            FROM mine m
            LEFT JOIN sensors_sensor s ON s.area_id = %(area)s
            LEFT JOIN sensors_sensorday d ON d.sensor_id = s.id AND d.day = m.day
            GROUP BY m.day, m.t_min, m.t_max, m.night_anomaly, m.soil_mean, m.dry_spell_days,
                     m.wet_spell_days
            ORDER BY m.day
            """,
            {"sensor": sensor.pk, "days": days, "area": sensor.area_id},
        )
        columns = [c.name for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _month_bounds(month: date) -> tuple[datetime, datetime]:
    """A local calendar month as instants (QC works per local month)."""
    zone = timezone.get_default_timezone()
    following = (month + timedelta(days=32)).replace(day=1)
    return (
        datetime(month.year, month.month, 1, tzinfo=zone),
        datetime(following.year, following.month, 1, tzinfo=zone),
    )


def sensor_flags_explained(*, sensor: Sensor) -> list[dict]:
    """Why a sensor's readings were left out, per month (newest first) and check, in words."""
    zone = timezone.get_default_timezone()
    months: dict[date, list[CheckInWords]] = {}
    for row in (
        ReadingFlag.objects.filter(sensor=sensor)
        .annotate(month=TruncMonth("observed_at", tzinfo=zone))
        .values("month", "check_name")
        .annotate(n=Count("id"))
        .order_by("month", "-n")
    ):
        month = row["month"].date() if isinstance(row["month"], datetime) else row["month"]
        months.setdefault(month, []).append(check_in_words(row["check_name"], readings=row["n"]))
    for flag in SensorMonthFlag.objects.filter(sensor=sensor).order_by("month", "check_name"):
        months.setdefault(flag.month, []).append(
            check_in_words(flag.check_name, detail=month_flag_detail(flag))
        )
    grouped = []
    explained: set[str] = set()
    for month in sorted(months, reverse=True):
        checks = []
        for check in months[month]:
            # each check explained once, where it first appears (the newest month)
            if check.label in explained:
                check = replace(check, explanation="")
            explained.add(check.label)
            checks.append(check)
        grouped.append({"month": month, "checks": checks})
    return grouped


def qc_months() -> list[date]:
    """The months that have readings, newest first: those with daily figures, and those waiting.

    One index probe per month (a loose index scan over the sensor-days), not a
    pass over every row.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH RECURSIVE months AS (
                SELECT date_trunc('month', min(day))::date AS month FROM sensors_sensorday
                UNION ALL
                SELECT (SELECT date_trunc('month', min(d.day))::date FROM sensors_sensorday d
                        WHERE d.day >= (m.month + interval '1 month')::date)
                FROM months m WHERE m.month IS NOT NULL
            )
            SELECT month FROM months WHERE month IS NOT NULL
            UNION
            SELECT DISTINCT month FROM sensors_dirtymonth
            ORDER BY month DESC
            """
        )
        return [row[0] for row in cursor.fetchall()]


def network_health(*, month: date | None) -> dict:
    """Officers' view of one month: per sensor and per check, what quality control found.

    Every sensor is listed (also those without readings that month), the ones
    that need attention first: silent, then with month flags, then with most
    flagged readings. Without a month (no readings yet) only the sensors.
    """
    flags = ReadingFlag.objects.none()
    days = SensorDay.objects.none()
    if month is not None:
        start, end = _month_bounds(month)
        flags = ReadingFlag.objects.filter(observed_at__gte=start, observed_at__lt=end)
        days = SensorDay.objects.filter(day__gte=start.date(), day__lt=end.date())
    per_sensor: dict[int, dict[str, int]] = {}
    for row in flags.values("sensor", "check_name").annotate(n=Count("id")):
        per_sensor.setdefault(row["sensor"], {})[row["check_name"]] = row["n"]
    used = dict(days.values("sensor").annotate(n=Sum("t_count")).values_list("sensor", "n"))
    month_flags: dict[int, list[CheckInWords]] = {}
    flagged_by: dict[str, set[int]] = {}
    for flag in SensorMonthFlag.objects.filter(month=month).order_by("check_name"):
        month_flags.setdefault(flag.sensor_id, []).append(
            check_in_words(flag.check_name, detail=month_flag_detail(flag))
        )
        flagged_by.setdefault(flag.check_name, set()).add(flag.sensor_id)
    for sensor_id, counts in per_sensor.items():
        for code in counts:
            flagged_by.setdefault(code, set()).add(sensor_id)

    now = timezone.now()
    rows = []
    for sensor in Sensor.objects.select_related("area").order_by("external_id"):
        counts = per_sensor.get(sensor.pk, {})
        rows.append(
            {
                "sensor": sensor,
                # A retired sensor is quiet on purpose: it needs no attention.
                "quiet_days": (now - sensor.last_seen_at).days
                if sensor.last_seen_at and sensor.status != Sensor.Status.RETIRED
                else None,
                "readings_used": used.get(sensor.pk),
                "reading_flags": [
                    check_in_words(code, readings=n)
                    for code, n in sorted(counts.items(), key=lambda item: -item[1])
                ],
                "flagged_readings": sum(counts.values()),
                "month_flags": month_flags.get(sensor.pk, []),
            }
        )
    rows.sort(
        key=lambda r: (-(r["quiet_days"] or 0), -len(r["month_flags"]), -r["flagged_readings"])
    )
    totals = dict.fromkeys(READING_CHECKS, 0)
    for counts in per_sensor.values():
        for code, n in counts.items():
            totals[code] = totals.get(code, 0) + n
    checks = [
        check_in_words(code, readings=totals.get(code), sensors=len(flagged_by.get(code, ())))
        for code in (*READING_CHECKS, *MONTH_CHECKS)
    ]
    checked = MonthCheck.objects.filter(month=month).values_list("checked_at", flat=True).first()
    return {
        "rows": rows,
        "checks": checks,
        "checked_at": checked,
        "waiting": DirtyMonth.objects.filter(month=month).exists(),
        "silent": sum(1 for r in rows if r["quiet_days"] is not None and r["quiet_days"] >= 1),
    }


def sensors_with_indicators(
    queryset: QuerySet[Sensor], *, period: EvidencePeriod | None
) -> QuerySet[Sensor]:
    """Each sensor's figures over one evidence period (None: no figures).

    night_anomaly: mean night anomaly (°C); wet_feet_hours: hours with wet
    feet, None for a sensor that does not measure wet feet (a day row says 0
    hours for it, which would read as "dry"); soil_moisture: mean of the daily
    soil moisture means (%), None without soil readings.
    """
    from sensors.models import SensorDay  # noqa: F401  (the days relation below)

    within = (
        Q(pk__in=[])
        if period is None
        else Q(days__day__gte=period.start, days__day__lte=period.end)
    )
    measures_wet_feet = Q(quantities__contains=["wet_feet"])
    # Aggregation drops Meta.ordering; paginated lists need a stable order.
    return queryset.annotate(
        night_anomaly=Avg("days__night_anomaly", filter=within),
        wet_feet_hours=Case(
            When(measures_wet_feet, then=Sum("days__wet_feet_hours", filter=within)),
            default=None,
            output_field=IntegerField(),
        ),
        soil_moisture=Avg("days__soil_mean", filter=within),
    ).order_by("external_id")

"""Read-side queries of the sensor network, each aware of who is asking."""

from __future__ import annotations

from django.db import connection
from django.db.models import Avg, Case, Count, IntegerField, Q, QuerySet, Sum, When
from django.utils.translation import gettext_lazy as _

from civic.models import EvidencePeriod
from civic.roles import is_staff_member
from sensors.models import ReadingFlag, Sensor, SensorMonthFlag

CHECK_EXPLANATIONS = {
    "range": _("A value outside what is plausible here (-30 to 45 °C)."),
    "stuck": _("The same value for six hours or more: the sensor may hang."),
    "spike": _("A jump of more than 5 °C and straight back: a glitch."),
    "network_z": _("By day, far warmer or colder than the rest of the network: often direct sun."),
    "month_fail_rate": _("More than a fifth of its daytime readings were far from the network."),
    "month_correlation": _("It does not follow the network's ups and downs."),
    "buddy": _("It disagrees with its neighbours within 3 km too often."),
}


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


def sensor_flags_explained(*, sensor: Sensor) -> list[dict]:
    """Why a sensor's readings were left out: per check, how often, and what it means."""
    rows = [
        {
            "check": row["check_name"],
            "count": row["n"],
            "explanation": CHECK_EXPLANATIONS.get(row["check_name"], ""),
            "months": [],
        }
        for row in ReadingFlag.objects.filter(sensor=sensor)
        .values("check_name")
        .annotate(n=Count("id"))
        .order_by("-n")
    ]
    for flag in SensorMonthFlag.objects.filter(sensor=sensor).order_by("month"):
        rows.append(
            {
                "check": flag.check_name,
                "count": None,
                "explanation": CHECK_EXPLANATIONS.get(flag.check_name, ""),
                "months": [flag.month],
                "detail": flag.detail,
            }
        )
    return rows


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

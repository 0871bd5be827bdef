"""Pages of the sensor network: my sensors, a readings download, the network's health."""

import csv
import re
from datetime import date, datetime

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from civic.roles import is_staff_member
from civic.runs import last_successful_run
from sensors import selectors
from sensors.models import Reading, ReadingFlag, Sensor
from sensors.tasks import RECOMPUTE_JOB

CHART_W, CHART_H, PAD = 560, 180, 24


def index(request):
    """What the network is, with the way in for hosts and officers."""
    return render(
        request,
        "sensors/index.html",
        {
            "sensor_count": Sensor.objects.exclude(status=Sensor.Status.RETIRED).count(),
            "hosts_sensors": request.user.is_authenticated
            and selectors.sensors_managed_by(user=request.user).exists(),
            "last_run": last_successful_run(RECOMPUTE_JOB),
        },
    )


def _chart(days: list[dict]) -> dict | None:
    """Polyline points of my Tmax/Tmin against the neighbourhood median (server-drawn SVG)."""
    series = {key: [d[key] for d in days] for key in ("t_max", "t_min", "area_t_max", "area_t_min")}
    values = [v for vs in series.values() for v in vs if v is not None]
    if len(days) < 2 or not values:
        return None
    low, high = min(values) - 1, max(values) + 1

    def points(key):
        out = []
        for i, value in enumerate(series[key]):
            if value is None:
                continue
            x = PAD + i * (CHART_W - 2 * PAD) / (len(days) - 1)
            y = CHART_H - PAD - (value - low) / (high - low) * (CHART_H - 2 * PAD)
            out.append(f"{x:.1f},{y:.1f}")
        return " ".join(out)

    return {
        "width": CHART_W,
        "height": CHART_H,
        "lines": {key: points(key) for key in series},
        "low": round(low),
        "high": round(high),
    }


@login_required
def mine(request):
    """A host's own sensors: recent days against the neighbourhood, and why data was left out."""
    sensors = list(selectors.sensors_managed_by(user=request.user)[:50])
    cards = []
    for sensor in sensors:
        days = selectors.sensor_recent_days(sensor=sensor)
        cards.append(
            {
                "sensor": sensor,
                "days": days,
                "chart": _chart(days),
                "soil": any(day["soil_mean"] is not None for day in days),
                "flags": selectors.sensor_flags_explained(sensor=sensor),
            }
        )
    return render(request, "sensors/mine.html", {"cards": cards})


class _Echo:
    def write(self, value):
        return value


@login_required
def readings_csv(request, pk: int):
    """Download a sensor's readings (owner and officers), streamed, with QC flags marked."""
    sensor = selectors.sensors_managed_by(user=request.user).filter(pk=pk).first()
    if sensor is None:
        raise Http404
    flagged = set(ReadingFlag.objects.filter(sensor=sensor).values_list("quantity", "observed_at"))
    writer = csv.writer(_Echo())

    def rows():
        yield writer.writerow(["device_id", "quantity", "observed_at", "value", "qc_flagged"])
        readings = (
            Reading.objects.filter(sensor=sensor)
            .order_by("observed_at", "quantity")
            .values_list("quantity", "observed_at", "value")
        )
        for quantity, observed_at, value in readings.iterator(chunk_size=5000):
            yield writer.writerow(
                [
                    sensor.external_id,
                    quantity,
                    observed_at.isoformat(),
                    value,
                    int((quantity, observed_at) in flagged),
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{sensor.external_id}.csv"'
    return response


_MONTH = re.compile(r"\d{4}-\d{2}")


def _chosen_month(raw: str | None, offered: list[date]) -> date | None:
    """The month in ?month=YYYY-MM if it is one of those offered; ValueError otherwise."""
    if raw is None:
        return offered[0] if offered else None
    if not _MONTH.fullmatch(raw):
        raise ValueError(raw)
    month = datetime.strptime(raw, "%Y-%m").date()  # ValueError for month 13
    if month not in offered:
        raise ValueError(raw)
    return month


@login_required
def health(request):
    """Officers: every sensor, when it was last heard from, and what QC found in a chosen month.

    QC works per calendar month, so the page shows one: ?month=YYYY-MM, one of
    the months with readings; by default the one with the latest readings.
    """
    if not is_staff_member(request.user):
        raise PermissionDenied
    offered = selectors.qc_months()
    raw = request.GET.get("month")
    context: dict = {"months": offered}
    try:
        month = _chosen_month(raw, offered)
    except ValueError:
        context["month_error"] = _(
            "month=%(value)s is not a month with readings: choose one of the list."
        ) % {"value": raw}
        return render(request, "sensors/health.html", context, status=400)
    context["month"] = month
    context.update(selectors.network_health(month=month))
    return render(request, "sensors/health.html", context)

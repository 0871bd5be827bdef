"""Pages of the sensor network: my sensors, a readings download, the network's health."""

import csv
from datetime import timedelta

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
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


@login_required
def health(request):
    """Officers: every sensor with when it was last heard from and how its data fares."""
    if not is_staff_member(request.user):
        raise PermissionDenied
    since = timezone.now() - timedelta(days=30)
    flag_counts = dict(
        ReadingFlag.objects.filter(observed_at__gte=since)
        .values("sensor")
        .annotate(n=Count("id"))
        .values_list("sensor", "n")
    )
    sensors = list(Sensor.objects.select_related("area", "owner").prefetch_related("month_flags"))
    now = timezone.now()
    rows = []
    for sensor in sensors:
        quiet = (now - sensor.last_seen_at).days if sensor.last_seen_at else None
        rows.append(
            {
                "sensor": sensor,
                "quiet_days": quiet,
                "flags_30d": flag_counts.get(sensor.pk, 0),
                "month_flags": list(sensor.month_flags.all()),
            }
        )
    rows.sort(key=lambda r: (-(r["quiet_days"] or 0), -len(r["month_flags"]), -r["flags_30d"]))
    silent = sum(1 for r in rows if r["quiet_days"] is not None and r["quiet_days"] >= 1)
    return render(
        request, "sensors/health.html", {"rows": rows, "silent": silent, "title": _("Network")}
    )

"""Freshness as users live it (issue 9, point 8). Start it with `bash bench/freshness.sh`.

1,000 registered devices each POST their hour (6 ten-minute air temperatures,
plus an hourly soil moisture for the soil sensors) over HTTP to
/api/v1/readings/ on a real gunicorn server, concurrently from a pool of
client threads; a real Celery worker (queues evidence, default, ingest) with
the production debounce does the rest. The clock stops when the challenge
and neighbourhood evidence of that hour is committed (see `evidence_fresh`).

Before that a realistic history is loaded (last summer and the last 30 days
for every sensor, with QC, statistics and evidence), so every step works at
its real size. Results go to bench/freshness_results.md (overwritten).
Runs only against the database named in BENCH_DB.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.freshness_settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.gis.geos import Point  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.data import log, one, sql  # noqa: E402
from bench.facts import facts, git_version, table_sizes  # noqa: E402
from bench.freshness_report import write_results  # noqa: E402
from civic import demo as civic_demo  # noqa: E402
from civic import services as civic_services  # noqa: E402
from civic import workflow  # noqa: E402
from civic.models import Challenge, EvidencePeriod, User  # noqa: E402
from civic.periods import (  # noqa: E402
    last_complete_season_year,
    period_custom_create,
    periods_touching,
    season_bounds,
)
from sensors import demo as sensors_demo  # noqa: E402
from sensors.daily import (  # noqa: E402
    _ANOMALY_SQL,
    _SPELLS_SQL,
    DRY_BELOW,
    WET_ABOVE,
    daily_stats_recompute_all_dirty,
)
from sensors.evidence import evidence_recompute  # noqa: E402
from sensors.models import Sensor  # noqa: E402
from sensors.qc import qc_days  # noqa: E402
from sensors.services import device_token_issue, sensor_register  # noqa: E402
from sensors.tasks import recompute_dirty_days  # noqa: E402

TZ = ZoneInfo(settings.TIME_ZONE)
STEP = timedelta(minutes=10)
BOX = sensors_demo.BOX  # the demo district, Stadshagen (civic.demo)
EXTERNAL_PREFIX = "fresh-"
RUN_DIR = ROOT / ".local" / "bench-freshness"
RESULTS = Path(__file__).with_name("freshness_results.md")

# --------------------------------------------------------------------------- the world


@dataclass
class Device:
    """One registered sensor as the bench drives it."""

    pk: int
    external_id: str
    soil: bool
    bias: float
    night_bias: float
    token: str = ""


@dataclass
class World:
    """What the preload built (or found, with --reuse)."""

    devices: list[Device]
    challenges: int
    neighbourhoods: int
    summer: tuple[date, date]
    recent: tuple[date, date]
    readings: int
    sensor_days: int
    flags: int
    preload_s: dict = field(default_factory=dict)
    stand_in: str = ""


def _device_params(index: int, seed: int) -> tuple[float, float, float, float, bool]:
    """Location, day bias, night bias and soil sensor of device `index` (deterministic)."""
    rng = random.Random(f"{seed}-{index}")
    west, south, east, north = BOX
    lon = rng.uniform(west + 0.001, east - 0.001)
    lat = rng.uniform(south + 0.001, north - 0.001)
    green = sensors_demo.greenness(lon, lat)
    # paving stores the day's heat and gives it back at night (as sensors.demo)
    bias = rng.gauss(0, 0.3) + 0.7 * (0.5 - green)
    night_bias = 1.7 * (0.5 - green)
    return lon, lat, bias, night_bias, index % 10 == 0


def make_places(progress) -> tuple[int, int]:
    """The demo's municipality, district and six neighbourhoods, its accounts, and 12 challenges.

    The demo's three challenges (one still a draft) plus nine more around its
    spots and across the district, all through civic.services as an officer
    would, so each is an evidence subject from the start.
    """
    civic_demo.load_areas()
    themes = civic_demo.load_themes()
    users = civic_demo.load_users()
    civic_demo.load_challenges(users, themes, progress)
    officer = users["officer"]
    rng = random.Random(9)
    west, south, east, north = BOX
    extra = [(spot.lon, spot.lat, spot.theme, spot.name) for spot in civic_demo.SPOTS]
    for k in range(3):
        extra.append(
            (
                rng.uniform(west + 0.005, east - 0.005),
                rng.uniform(south + 0.003, north - 0.003),
                "heat",
                f"Straat {k + 1}",
            )
        )
    for lon, lat, theme, name in extra:
        title = f"Bench: {name}"
        if Challenge.objects.filter(title=title).exists():
            continue
        challenge = civic_services.challenge_create(
            actor=officer,
            title=title,
            theme=themes[theme],
            description="",
            geometry=civic_demo._circle(lon, lat, rng.choice([300, 400, 500])),
        )
        workflow.transition(challenge, Challenge.Status.OPEN, actor=officer)
    challenges = Challenge.objects.exclude(status=Challenge.Status.CLOSED).count()
    neighbourhoods = one("SELECT count(*) FROM civic_area WHERE kind = 'neighbourhood'")
    return challenges, neighbourhoods


def register_devices(n: int, seed: int) -> list[Device]:
    """n sensors through sensor_register (public cell, area, first device token), as officers do.

    In one transaction: a commit (and its WAL flush) per sensor would take minutes here.
    """
    officer = User.objects.get(username="officer")
    devices = []
    shares = []
    with transaction.atomic():
        for index in range(n):
            lon, lat, bias, night_bias, soil = _device_params(index, seed)
            quantities = ["air_temperature"] + (["soil_moisture"] if soil else [])
            sensor, token = sensor_register(
                actor=officer,
                external_id=f"{EXTERNAL_PREFIX}{index + 1:04d}",
                hardware=Sensor.Hardware.NATIVE,
                quantities=quantities,
                location=Point(lon, lat, srid=4326),
                name=f"Bench {index + 1}",
                height_m=1.5,
            )
            devices.append(Device(sensor.pk, sensor.external_id, soil, bias, night_bias, token))
            green = sensors_demo.greenness(lon, lat)
            shares.append((sensor.pk, green))
        # The green share around each sensor from the demo's greenness field (the
        # land-cover polygons it draws would take minutes of buffer unions here).
        sql(
            "INSERT INTO sensors_sensorsurroundings"
            " (sensor_id, green_50, green_100, paved_50, paved_100, computed_at)"
            " SELECT id, g, g, 1 - g, 1 - g, now()"
            " FROM unnest(%s::bigint[], %s::float8[]) AS t(id, g)",
            [[pk for pk, _g in shares], [g for _pk, g in shares]],
        )
    return devices


def known_devices(seed: int) -> list[Device]:
    """The devices of an earlier run (--reuse), each with a new token (only hashes are stored)."""
    devices = []
    for sensor in Sensor.objects.filter(external_id__startswith=EXTERNAL_PREFIX).order_by("id"):
        index = int(sensor.external_id.removeprefix(EXTERNAL_PREFIX)) - 1
        _lon, _lat, bias, night_bias, soil = _device_params(index, seed)
        token = device_token_issue(sensor=sensor)
        devices.append(Device(sensor.pk, sensor.external_id, soil, bias, night_bias, token))
    return devices


# The network's shared weather per 10-minute step: season, fronts, a summer heat
# wave, the diurnal cycle. Per sensor: its bias (more at night where paved) and
# noise. Deterministic; the database adds the per-sensor part in SQL.
def base_temperature(moment: datetime, heat_wave: tuple[date, date]) -> tuple[float, bool]:
    local = moment.astimezone(TZ)
    doy = local.timetuple().tm_yday
    hour = local.hour + local.minute / 60
    season = 10.5 - 8 * math.cos(2 * math.pi * (doy - 20) / 365.25)
    amplitude = 3 + 3 * max(0.0, math.sin(2 * math.pi * (doy - 80) / 365.25))
    fronts = 2.5 * math.sin(2 * math.pi * local.toordinal() / 6.3)
    heat = 0.0
    if heat_wave[0] <= local.date() <= heat_wave[1]:
        days_in = (local.date() - heat_wave[0]).days
        heat = 9 * math.sin(math.pi * (days_in + 1) / ((heat_wave[1] - heat_wave[0]).days + 2))
        fronts = 0.0
    diurnal = amplitude * math.sin(2 * math.pi * (hour - 9) / 24)
    night = local.hour >= 21 or local.hour < 6
    return season + fronts + heat + diurnal, night


_HISTORY_SQL = """
INSERT INTO sensors_reading (sensor_id, quantity, observed_at, value, received_at)
SELECT s.id, 'air_temperature', st.t,
       round((st.base + s.bias + CASE WHEN st.night THEN s.night_bias ELSE 0 END
              + ((hashint8(s.id * 1000003 + st.k) & 1023) / 1023.0 - 0.5) * 0.6)::numeric, 2),
       st.t + interval '1 minute'
FROM unnest(%(t)s::timestamptz[], %(base)s::float8[], %(night)s::bool[], %(k)s::bigint[])
     AS st(t, base, night, k)
CROSS JOIN unnest(%(ids)s::bigint[], %(bias)s::float8[], %(night_bias)s::float8[])
     AS s(id, bias, night_bias)
"""

# Soil sensors report hourly: slowly drying, wetter after the fronts pass.
_SOIL_SQL = """
INSERT INTO sensors_reading (sensor_id, quantity, observed_at, value, received_at)
SELECT s.id, 'soil_moisture', st.t,
       round(greatest(8, least(45, 30 + 8 * sin(st.k / 900.0 + s.id) + 4 * s.bias))::numeric, 1),
       st.t + interval '1 minute'
FROM unnest(%(t)s::timestamptz[], %(k)s::bigint[]) AS st(t, k)
CROSS JOIN unnest(%(ids)s::bigint[], %(bias)s::float8[]) AS s(id, bias)
"""


def load_readings(
    devices: list[Device], days: list[date], skip: tuple[datetime, datetime], upto: datetime
) -> int:
    """Readings of every device for `days`, day by day in time order (as a live network writes).

    Leaves out the bench's hour (`skip`) and anything from `upto` on.
    """
    ids = [d.pk for d in devices]
    soil = [d for d in devices if d.soil]
    stored = 0
    for number, day in enumerate(days):
        moments = [m for m in _moments(day) if m < upto and not (skip[0] <= m < skip[1])]
        if not moments:
            continue
        shaped = [base_temperature(m, NO_HEAT_WAVE) for m in moments]
        keys = [int(m.timestamp()) // 600 for m in moments]
        sql(
            _HISTORY_SQL,
            {
                "t": moments,
                "base": [b for b, _n in shaped],
                "night": [n for _b, n in shaped],
                "k": keys,
                "ids": ids,
                "bias": [d.bias for d in devices],
                "night_bias": [d.night_bias for d in devices],
            },
        )
        hourly = [(m, k) for m, k in zip(moments, keys, strict=True) if m.minute == 0]
        if soil and hourly:
            sql(
                _SOIL_SQL,
                {
                    "t": [m for m, _k in hourly],
                    "k": [k for _m, k in hourly],
                    "ids": [d.pk for d in soil],
                    "bias": [d.bias for d in soil],
                },
            )
        stored += len(moments) * len(devices) + len(hourly) * len(soil)
        if (number + 1) % 10 == 0:
            log(f"  readings: {number + 1}/{len(days)} days, {stored:,} rows")
    return stored


def _moments(day: date) -> list[datetime]:
    start = datetime.combine(day, datetime.min.time(), TZ).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), TZ).astimezone(UTC)
    moments = []
    while start < end:
        moments.append(start)
        start += STEP
    return moments


# Last summer's daily statistics straight from the same weather, per sensor
# (its bias, more at night where paved, and a little noise per day): what the
# statistics would hold had its 13 M readings been loaded and computed.
_SUMMER_DAYS_SQL = """
INSERT INTO sensors_sensorday (
    sensor_id, day, t_min, t_max, t_mean, t_count, hours_25, hours_30, day_mean, night_mean,
    soil_mean, soil_count, wet_feet_hours, computed_at)
SELECT s.id, %(day)s, %(t_min)s + s.bias + s.night_bias + n.e, %(t_max)s + s.bias + n.e,
       %(t_mean)s + s.bias + 0.375 * s.night_bias + n.e, 144,
       (SELECT count(*) FROM unnest(%(hours)s::float8[]) h WHERE h + s.bias + n.e >= 25),
       (SELECT count(*) FROM unnest(%(hours)s::float8[]) h WHERE h + s.bias + n.e >= 30),
       %(day_mean)s + s.bias + n.e, %(night_mean)s + s.bias + s.night_bias + n.e,
       CASE WHEN s.soil THEN greatest(8, least(45, 30 + 8 * sin(%(k)s / 150.0 + s.id)
                                                   + 4 * s.bias)) END,
       CASE WHEN s.soil THEN 24 ELSE 0 END, 0, now()
FROM unnest(%(ids)s::bigint[], %(bias)s::float8[], %(night_bias)s::float8[], %(soil)s::bool[])
     AS s(id, bias, night_bias, soil)
CROSS JOIN LATERAL (
    SELECT ((hashint8(s.id * 7919 + %(k)s) & 1023) / 1023.0 - 0.5) * 0.4 AS e) n
"""


def load_summer_statistics(devices: list[Device], days: list[date]) -> int:
    """Daily statistics of every device for last summer; anomalies and spells by the real SQL."""
    heat_wave = _heat_wave(days)
    for day in days:
        shaped = [base_temperature(m, heat_wave) for m in _moments(day)]
        values = [b for b, _n in shaped]
        local_hours = [m.astimezone(TZ).hour for m in _moments(day)]
        hours = [sum(values[h * 6 : h * 6 + 6]) / 6 for h in range(24)]
        day_values = [v for v, h in zip(values, local_hours, strict=True) if 9 <= h < 18]
        night_values = [v for v, h in zip(values, local_hours, strict=True) if h < 6]
        sql(
            _SUMMER_DAYS_SQL,
            {
                "day": day,
                "k": day.toordinal(),
                "t_min": min(values),
                "t_max": max(values),
                "t_mean": sum(values) / len(values),
                "hours": hours,
                "day_mean": sum(day_values) / len(day_values),
                "night_mean": sum(night_values) / len(night_values),
                "ids": [d.pk for d in devices],
                "bias": [d.bias for d in devices],
                "night_bias": [d.night_bias for d in devices],
                "soil": [d.soil for d in devices],
            },
        )
    sql(_ANOMALY_SQL, {"days": days})
    soil = [d.pk for d in devices if d.soil]
    sql(_SPELLS_SQL, {"sensors": soil, "wet": WET_ABOVE, "dry": DRY_BELOW})
    return len(days) * len(devices)


NO_HEAT_WAVE = (date.min, date.min)


def _heat_wave(days: list[date]) -> tuple[date, date]:
    """Seven hot days in the second half of July of the loaded summer, if it is loaded."""
    julys = sorted({d.year for d in days if d.month == 7})
    if not julys:
        return NO_HEAT_WAVE
    return date(julys[-1], 7, 18), date(julys[-1], 7, 24)


def bench_hour(now: datetime, which: str) -> datetime:
    """The first moment of the hour the devices send (UTC)."""
    local = now.astimezone(TZ)
    if which == "now":
        start = local.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
    else:
        # the last hour of the latest complete local day: QC and statistics then work
        # on a whole day of readings (the most they ever do for one new hour)
        midnight = datetime.combine(local.date(), datetime.min.time(), TZ)
        start = midnight - timedelta(hours=1)
    return start.astimezone(UTC)


def preload(args, hour: datetime, progress) -> World:
    """Places, sensors, land cover, history, and its QC, statistics and evidence."""
    timings = {}
    started = time.perf_counter()
    challenges, neighbourhoods = make_places(progress)
    timings["places"] = time.perf_counter() - started

    started = time.perf_counter()
    log(f"register {args.sensors:,} sensors")
    devices = register_devices(args.sensors, args.seed)
    timings["sensors"] = time.perf_counter() - started

    today = timezone.localdate()
    year = last_complete_season_year(today)
    summer = (date(year, 6, 1), date(year, 6, 1) + timedelta(days=args.summer_days - 1))
    summer_days = [summer[0] + timedelta(days=i) for i in range(args.summer_days)]
    recent = (today - timedelta(days=args.recent_days), today)
    recent_days = [
        recent[0] + timedelta(days=i)
        for i in range(args.recent_days + 1)
        if recent[0] + timedelta(days=i) > summer[1]
    ]
    started = time.perf_counter()
    log(f"last summer's daily statistics: {summer[0]}..{summer[1]}")
    summer_sensor_days = load_summer_statistics(devices, summer_days)
    timings["summer"] = time.perf_counter() - started

    current_hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    log(
        f"readings of {recent[0]}..{recent[1]} (up to {current_hour.astimezone(TZ):%H:%M}),"
        " without the bench hour"
    )
    readings = load_readings(devices, recent_days, (hour, hour + timedelta(hours=1)), current_hour)
    timings["readings"] = time.perf_counter() - started

    started = time.perf_counter()
    sql("VACUUM (ANALYZE) sensors_reading")
    timings["vacuum"] = time.perf_counter() - started

    started = time.perf_counter()
    log("QC of those days (7 days per call, as the demo load does)")
    for first in range(0, len(recent_days), 7):
        qc_days(days=recent_days[first : first + 7])
    flags = one("SELECT count(*) FROM sensors_readingflag")
    sql("ANALYZE sensors_readingflag")
    timings["qc"] = time.perf_counter() - started

    started = time.perf_counter()
    log("their daily statistics")
    sql(
        "INSERT INTO sensors_dirtyday (sensor_id, day, marked_at)"
        " SELECT s.id, d, now() FROM sensors_sensor s, unnest(%s::date[]) d"
        " ON CONFLICT (sensor_id, day) DO NOTHING",
        [recent_days],
    )
    sql("ANALYZE sensors_dirtyday")
    sensor_days = daily_stats_recompute_all_dirty()
    sql("ANALYZE sensors_sensorday")
    timings["statistics"] = time.perf_counter() - started

    stand_in = ""
    season_start, season_end = season_bounds(today.year)
    if not (season_start <= today <= season_end):
        # Out of season no warm season holds today: an officer's period of a
        # season's length stands in for it, so the run does the same work in any month.
        length = (season_end - season_start).days
        period = period_custom_create(
            actor=User.objects.get(username="officer"),
            start=today - timedelta(days=length),
            end=today,
            name="Bench: a warm season's length up to today",
        )
        stand_in = period.key
    started = time.perf_counter()
    log("evidence of every period")
    evidence_recompute(everything=True)
    timings["evidence"] = time.perf_counter() - started
    return World(
        devices=devices,
        challenges=challenges,
        neighbourhoods=neighbourhoods,
        summer=summer,
        recent=recent,
        readings=readings,
        sensor_days=sensor_days + summer_sensor_days,
        flags=flags,
        preload_s=timings,
        stand_in=stand_in,
    )


def reused_world(args) -> World:
    periods = EvidencePeriod.objects.filter(kind="custom", name__startswith="Bench:").first()
    days = sql("SELECT min(day), max(day) FROM sensors_sensorday")[0]
    summer_end = one(
        "SELECT max(day) FROM sensors_sensorday WHERE day < %s",
        [days[1] - timedelta(days=args.recent_days)],
    )
    return World(
        devices=known_devices(args.seed),
        challenges=Challenge.objects.exclude(status=Challenge.Status.CLOSED).count(),
        neighbourhoods=one("SELECT count(*) FROM civic_area WHERE kind = 'neighbourhood'"),
        summer=(days[0], summer_end),
        recent=(days[1] - timedelta(days=args.recent_days), days[1]),
        readings=one("SELECT count(*) FROM sensors_reading"),
        sensor_days=one("SELECT count(*) FROM sensors_sensorday"),
        flags=one("SELECT count(*) FROM sensors_readingflag"),
        stand_in=periods.key if periods else "",
    )


# --------------------------------------------------------------------------- the processes


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Services:
    """The web server and the Celery worker, started here and stopped here (by their pids)."""

    def __init__(self, args):
        self.args = args
        self.port = free_port()
        self.procs: list[subprocess.Popen] = []
        RUN_DIR.mkdir(parents=True, exist_ok=True)
        self.web_log = RUN_DIR / "web.log"
        self.worker_log = RUN_DIR / "worker.log"

    def start(self) -> None:
        # The preload computed everything in this process; what it queued on the way
        # (recomputes after each change) would only keep the worker busy.
        redis.Redis.from_url(settings.CELERY_BROKER_URL).flushdb()
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.freshness_settings"}
        venv_bin = Path(sys.executable).parent
        web = [
            str(venv_bin / "gunicorn"),
            "civic.wsgi",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(self.args.web_workers),
            "--backlog",
            "2048",
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ]
        worker = [
            str(venv_bin / "celery"),
            "-A",
            "civic",
            "worker",
            "-Q",
            "evidence,default,ingest",
            "-c",
            str(self.args.worker_concurrency),
            "-n",
            f"bench-freshness-{os.getpid()}@%h",
            "-l",
            "info",
        ]
        for command, path in ((web, self.web_log), (worker, self.worker_log)):
            handle = path.open("w")
            self.procs.append(
                subprocess.Popen(
                    command,
                    cwd=ROOT,
                    env=env,
                    stdout=handle,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        deadline = time.monotonic() + 60
        while not (self._web_answers() and "ready." in self.worker_log.read_text()):
            for proc in self.procs:
                if proc.poll() is not None:
                    raise RuntimeError(f"{proc.args[0]} stopped; see {RUN_DIR}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the web server or the worker did not start; see {RUN_DIR}")
            time.sleep(0.3)

    def _web_answers(self) -> bool:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
            conn.request("GET", "/api/v1/periods/")
            conn.getresponse().read()
            conn.close()
            return True
        except OSError:
            return False

    def stop(self) -> None:
        # TERM to the main processes (a warm shutdown: they stop their own children);
        # only if that fails, KILL to the sessions they run in, which we created.
        for proc in self.procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


# --------------------------------------------------------------------------- one burst


def payloads(devices: list[Device], hour: datetime, seed: int) -> list[bytes]:
    """Each device's JSON body for its hour, built before the clock starts."""
    bodies = []
    moments = [hour + k * STEP for k in range(6)]
    shaped = [base_temperature(m, (date.min, date.min)) for m in moments]
    for device in devices:
        rng = random.Random(f"{seed}-{device.pk}-{hour.isoformat()}")
        readings = [
            {
                "quantity": "air_temperature",
                "observed_at": m.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "value": round(
                    base + device.bias + (device.night_bias if night else 0) + rng.gauss(0, 0.2), 2
                ),
            }
            for m, (base, night) in zip(moments, shaped, strict=True)
        ]
        if device.soil:
            readings.append(
                {
                    "quantity": "soil_moisture",
                    "observed_at": moments[0].strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "value": round(30 + 4 * device.bias, 1),
                }
            )
        bodies.append(json.dumps({"readings": readings}).encode())
    return bodies


@dataclass
class Post:
    sent: float
    answered: float
    status: int


def post_all(port: int, devices: list[Device], bodies: list[bytes], clients: int) -> list[Post]:
    """Every device POSTs its body once, `clients` at a time, each on a new connection."""

    def send(i: int) -> Post:
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Device {devices[i].token}",
            "Connection": "close",
        }
        sent = time.time()
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request("POST", "/api/v1/readings/", body=bodies[i], headers=headers)
            response = conn.getresponse()
            response.read()
            status = response.status
        except OSError:
            status = 0
        finally:
            conn.close()
        return Post(sent, time.time(), status)

    with ThreadPoolExecutor(max_workers=clients) as pool:
        return list(pool.map(send, range(len(devices))))


# The hour's evidence is committed when nothing the POSTs started waits any more
# and the figures were rewritten: (1) no dirty (sensor, day) marker of the day
# is left (the statistics that claimed them committed, and with them the
# periods' stale markers), (2) no stale marker of the sensors' evidence is left
# (the evidence run that claimed them committed, in the same transaction), and
# (3) every target (subject, period) has sensor figures computed after the
# first POST was sent. Targets: each period holding the day x each open
# challenge and neighbourhood with at least one sensor in reach.
_FRESH_SQL = """
SELECT
    NOT EXISTS (SELECT 1 FROM sensors_dirtyday WHERE day = %(day)s),
    NOT EXISTS (SELECT 1 FROM civic_evidencestale WHERE source = 'sensors'),
    (SELECT count(*) FROM civic_evidence
     WHERE source = 'sensors' AND name = 'sensor_count' AND value > 0
       AND period_id = ANY(%(periods)s) AND computed_at >= %(since)s)
"""


def targets(day: date) -> tuple[list[int], int, list[str]]:
    periods = list(periods_touching(day, day))
    subjects = one(
        "SELECT count(*) FROM civic_evidence WHERE source = 'sensors' AND name = 'sensor_count'"
        " AND value > 0 AND period_id = ANY(%s)",
        [[p.pk for p in periods]],
    )
    return [p.pk for p in periods], subjects, [p.key for p in periods]


def wait_fresh(day: date, periods: list[int], expected: int, since: float, timeout: float):
    """Poll every 20 ms until the hour's evidence is committed; the moment it was seen."""
    params = {
        "day": day,
        "periods": periods,
        "since": datetime.fromtimestamp(since, UTC),
    }
    deadline = time.time() + timeout
    while time.time() < deadline:
        checked = time.time()
        no_dirty, no_stale, rewritten = sql(_FRESH_SQL, params)[0]
        if no_dirty and no_stale and rewritten >= expected:
            return checked
        time.sleep(0.02)
    return None


def reset_hour(hour: datetime, devices: list[Device]) -> None:
    """Remove these devices' bench hour and settle the day: every repetition starts alike."""
    sql(
        "DELETE FROM sensors_reading WHERE observed_at >= %s AND observed_at < %s"
        " AND sensor_id = ANY(%s)",
        [hour, hour + timedelta(hours=1), [d.pk for d in devices]],
    )
    day = hour.astimezone(TZ).date()
    sql(
        "INSERT INTO sensors_dirtyday (sensor_id, day, marked_at)"
        " SELECT unnest(%s::bigint[]), %s, now() ON CONFLICT DO NOTHING",
        [[d.pk for d in devices], day],
    )
    # as the worker would (it takes the same lock, so the two never overlap)
    recompute_dirty_days.run()


_LINE = re.compile(r"^(?P<t>\d+\.\d+) (?P<pid>\d+) (?P<name>\S+) (?P<level>\w+) (?P<msg>.*)$")
_RECEIVED = re.compile(r"Task sensors\.recompute_dirty_days\[(?P<id>[\w-]+)\] received")
_SUCCEEDED = re.compile(
    r"Task sensors\.recompute_dirty_days\[(?P<id>[\w-]+)\] succeeded in (?P<s>[\d.]+)s"
)
_STEPS = re.compile(
    r"sensor recompute: QC (?P<qc>[\d.]+) s, statistics (?P<stats>[\d.]+) s"
    r" \((?P<days>\d+) sensor-days\), evidence (?P<evidence>[\d.]+) s"
)
_PREP = re.compile(r"sensor evidence: claim and heat waves (?P<s>[\d.]+) s")
_PERIOD = re.compile(r"sensor evidence of (?P<key>\S+): (?P<s>[\d.]+) s, (?P<rows>\d+) rows")
_COMMIT = re.compile(r"sensor evidence committed in (?P<s>[\d.]+) s")


def worker_log(path: Path, since: float) -> tuple[list[dict], list[dict]]:
    """The recompute messages and rounds in the worker's log from `since` on.

    A round is one pass of QC, statistics and evidence (sensors.tasks logs its
    steps at the end of it); one message may run several (the runner goes on
    while work waits).
    """
    received: dict[str, float] = {}
    messages: list[dict] = []
    rounds: list[dict] = []
    current: dict[int, dict] = {}
    for raw in path.read_text(errors="replace").splitlines():
        match = _LINE.match(raw)
        if not match or float(match["t"]) < since:
            continue
        t, pid, msg = float(match["t"]), int(match["pid"]), match["msg"]
        round_ = current.setdefault(pid, {"periods": [], "pid": pid})
        if m := _RECEIVED.search(msg):
            received[m["id"]] = t
        elif m := _PREP.search(msg):
            round_["prep"] = float(m["s"])
        elif m := _PERIOD.search(msg):
            round_["periods"].append((m["key"], float(m["s"]), int(m["rows"])))
        elif m := _COMMIT.search(msg):
            round_["commit"] = float(m["s"])
            round_["committed_at"] = t
        elif m := _STEPS.search(msg):
            round_.update(
                end=t,
                qc=float(m["qc"]),
                stats=float(m["stats"]),
                days=int(m["days"]),
                evidence=float(m["evidence"]),
            )
            round_["start"] = t - round_["qc"] - round_["stats"] - round_["evidence"]
            rounds.append(current.pop(pid))
        elif m := _SUCCEEDED.search(msg):
            runtime = float(m["s"])
            messages.append(
                {
                    "id": m["id"],
                    "received": received.get(m["id"]),
                    "started": t - runtime,
                    "finished": t,
                    "rounds": sum(1 for r in rounds if r["pid"] == pid and r["end"] >= t - runtime),
                }
            )
    return messages, rounds


def post_stats(posts: list[Post]) -> dict:
    statuses: dict[int, int] = {}
    for p in posts:
        statuses[p.status] = statuses.get(p.status, 0) + 1
    latencies = sorted(p.answered - p.sent for p in posts)
    first = min(p.sent for p in posts)
    last = max(p.answered for p in posts)
    return {
        "post_phase": last - first,
        "last_answer": last,
        "statuses": statuses,
        "rate": len(posts) / (last - first),
        "p50": latencies[len(latencies) // 2],
        "p95": latencies[int(len(latencies) * 0.95)],
        "max": latencies[-1],
    }


def wait_idle(services: Services, since: float, timeout: float = 120) -> None:
    """Until every recompute message the worker took since `since` has finished."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = services.worker_log.read_text(errors="replace")
        taken, done = set(), set()
        for raw in text.splitlines():
            match = _LINE.match(raw)
            if not match or float(match["t"]) < since:
                continue
            if m := _RECEIVED.search(match["msg"]):
                taken.add(m["id"])
            elif m := _SUCCEEDED.search(match["msg"]):
                done.add(m["id"])
        if taken <= done:
            return
        time.sleep(0.5)
    raise RuntimeError("the worker did not go idle")


def one_burst(
    services: Services, world: World, hour: datetime, args, devices: list[Device] | None = None
) -> dict:
    """`devices` (default: all) send the hour at once; when is its evidence committed?"""
    devices = devices or world.devices
    day = hour.astimezone(TZ).date()
    reset_hour(hour, devices)
    periods, expected, keys = targets(day)
    bodies = payloads(devices, hour, args.seed)
    # the previous burst's debounce window is over
    time.sleep(settings.SENSORS_RECOMPUTE_DEBOUNCE_S + 1)
    load = os.getloadavg()[0]
    since = time.time()
    posts = post_all(services.port, devices, bodies, args.clients)
    last_answer = max(p.answered for p in posts)
    seen = wait_fresh(day, periods, expected, since, timeout=args.timeout)
    wait_idle(services, since - 0.5)  # and its last log lines are written
    messages, rounds = worker_log(services.worker_log, since - 0.5)
    # The round that made the hour fresh: the last evidence commit before the poll saw
    # it. Its log line follows the commit by a few ms, so the poll may see the commit
    # first; rounds are a second or more apart, so 0.2 s of slack cannot pick the wrong one.
    final = None
    if seen is not None:
        committed = [r for r in rounds if r.get("committed_at") and r["committed_at"] <= seen + 0.2]
        final = max(committed, key=lambda r: r["committed_at"]) if committed else None
    return {
        "load": load,
        "first_sent": since,
        **post_stats(posts),
        "seen": seen,
        "fresh_seen": (seen - last_answer) if seen else None,
        "fresh_committed": (final["committed_at"] - last_answer) if final else None,
        "messages": messages,
        "rounds": rounds,
        "final": final,
        "periods": keys,
        "subjects": expected,
        "debounce": settings.SENSORS_RECOMPUTE_DEBOUNCE_S,
    }


# --------------------------------------------------------------------------- main


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sensors", type=int, default=1000)
    parser.add_argument("--summer-days", type=int, default=92, help="last summer from 1 June")
    parser.add_argument("--recent-days", type=int, default=30)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--clients", type=int, default=50, help="client threads posting at once")
    parser.add_argument(
        "--web-workers", type=int, default=5, help="gunicorn workers (2 x cores + 1)"
    )
    parser.add_argument("--worker-concurrency", type=int, default=2, help="as scripts/run.sh")
    parser.add_argument(
        "--hour",
        choices=["last-of-day", "now"],
        default="last-of-day",
        help="which hour the devices send: the last of the latest complete day (a whole"
        " day of readings to check; default) or the hour just gone",
    )
    parser.add_argument("--timeout", type=float, default=60)
    parser.add_argument("--seed", type=int, default=20261130)
    parser.add_argument(
        "--reuse",
        action="store_true",
        default=os.environ.get("BENCH_REUSE") == "1",
        help="keep the history an earlier run loaded (skip the preload)",
    )
    args = parser.parse_args()
    expected = os.environ.get("BENCH_DB", "civic_bench_fresh")
    name = connection.settings_dict["NAME"]
    if name != expected or name == "civic" or name.startswith("test_civic"):
        sys.exit(f"Refusing to run against {name!r}.")

    started_at = datetime.now().astimezone()
    t_start = time.perf_counter()
    r: dict = {
        "argv": sys.argv[1:],
        "started": started_at.strftime("%Y-%m-%d %H:%M %Z"),
        "load_start": os.getloadavg(),
        "facts": facts(),
        "git": git_version(),
        "args": vars(args),
    }
    log(f"facts: {r['facts']}")
    hour = bench_hour(timezone.now(), args.hour)
    r["hour"] = hour
    reuse = args.reuse and Sensor.objects.filter(external_id__startswith=EXTERNAL_PREFIX).exists()
    if reuse:
        log("reusing the loaded history (--reuse)")
        world = reused_world(args)
    else:
        world = preload(args, hour, log)
    r["world"] = world
    r["sizes"] = table_sizes()
    services = Services(args)
    log(
        f"start gunicorn ({args.web_workers} workers) and a Celery worker"
        f" (-c {args.worker_concurrency})"
    )
    bursts = []
    try:
        services.start()
        # Every device sends the hour before again: nothing new is stored, nothing is
        # queued. It warms the web workers up and times the HTTP path on its own.
        log("replay: every device sends the hour before again (stores nothing)")
        replay = post_all(
            services.port,
            world.devices,
            payloads(world.devices, hour - timedelta(hours=1), args.seed),
            args.clients,
        )
        r["replay"] = post_stats(replay)
        log(f"  POST phase {r['replay']['post_phase']:.2f} s ({r['replay']['statuses']})")
        for i in range(args.repeats):
            log(
                f"burst {i + 1}: {len(world.devices):,} devices POST the hour"
                f" {hour:%Y-%m-%d %H:%M} UTC"
            )
            burst = one_burst(services, world, hour, args)
            bursts.append(burst)
            log(
                f"  POST phase {burst['post_phase']:.2f} s ({burst['statuses']}),"
                f" fresh {burst['fresh_committed']} s after the last answer (seen"
                f" {burst['fresh_seen']}), {len(burst['rounds'])} rounds"
            )
        # A resident's one device, alone: the debounce is all its own.
        lone = []
        for i in range(args.repeats):
            device = world.devices[(i + 1) * len(world.devices) // (args.repeats + 1)]
            log(f"lone device {device.external_id} POSTs the hour")
            burst = one_burst(services, world, hour, args, devices=[device])
            lone.append(burst)
            log(f"  fresh {burst['fresh_committed']} s after its answer")
    finally:
        services.stop()
    r["bursts"] = bursts
    r["lone"] = lone
    r["fresh_lone"] = median([b["fresh_committed"] for b in lone])
    r["fresh_committed"] = median([b["fresh_committed"] for b in bursts])
    r["fresh_seen"] = median([b["fresh_seen"] for b in bursts])
    r["post_phase"] = median([b["post_phase"] for b in bursts])
    r["load_end"] = os.getloadavg()
    r["duration"] = time.perf_counter() - t_start
    r["finished"] = datetime.now().astimezone().strftime("%H:%M %Z")
    shutil.copy(services.worker_log, RUN_DIR / "worker-last.log")
    write_results(r)
    log(f"written {RESULTS}")
    print(RESULTS.read_text())


if __name__ == "__main__":
    main()

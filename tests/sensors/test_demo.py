"""The demo network loads through the real chain, and its summer holds in any month.

The summer is the last complete warm season before the day of loading, so
these tests load the demo on dates in and out of summer and look for what
the pages show: a KNMI heat wave on the network's median Tmax, tropical
nights where it is paved, wet feet at the low spots after the storm, wet
soil, and the faults that quality control must catch.
"""

import random
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.core.management import call_command
from django.db import connection
from django.db.models import Avg, Max, Min

from civic.cells import GRID_SRID
from civic.demo import DEMO_WORKS, DEPAVING_WORKS, FACADE_GARDENS_WORKS, SCHOOL_TREES_WORKS
from civic.models import Evidence, EvidencePeriod
from sensors import demo
from sensors.models import Reading, ReadingFlag, Sensor, SensorDay, SensorMonthFlag

AMS = ZoneInfo("Europe/Amsterdam")
# From two days before the heat wave (18-26 July) to the day after the storm (5 August).
WINDOW_DAYS = 22


def on(day: date):
    """The wall clock at noon on `day`, in Zwolle."""
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=AMS), tick=False)


def near(spots, metres: float) -> set[str]:
    """Device ids of the sensors within `metres` of any of the spots."""
    found = set()
    for lon, lat, *_weight in spots:
        found |= set(
            Sensor.objects.filter(
                location__distance_lte=(Point(lon, lat, srid=4326), D(m=metres))
            ).values_list("external_id", flat=True)
        )
    return found


def knmi_heat_waves() -> list[tuple[date, date, int]]:
    """(first day, last day, days ≥ 30 °C) of each KNMI heat wave in the network's median Tmax.

    KNMI: at least 5 days in a row of 25 °C or more, at least 3 of them 30 °C or more.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT day, percentile_cont(0.5) WITHIN GROUP (ORDER BY t_max)
            FROM sensors_sensorday WHERE t_max IS NOT NULL GROUP BY day ORDER BY day
            """
        )
        medians = cursor.fetchall()
    waves, run = [], []
    for day, t_max in [*medians, (None, None)]:
        if t_max is not None and t_max >= 25 and (not run or day == run[-1][0] + timedelta(1)):
            run.append((day, t_max))
            continue
        tropical = sum(1 for _day, value in run if value >= 30)
        if len(run) >= 5 and tropical >= 3:
            waves.append((run[0][0], run[-1][0], tropical))
        run = [(day, t_max)] if t_max is not None and t_max >= 25 else []
    return waves


@pytest.mark.parametrize(
    ("today", "season"),
    [
        (date(2027, 2, 15), 2026),  # winter: last year's
        (date(2027, 7, 1), 2026),  # this year's has begun but is not complete
        (date(2027, 9, 30), 2026),  # its last day: not complete yet
        (date(2027, 10, 1), 2027),  # the day after it ended
        (date(2027, 12, 31), 2027),
    ],
)
def test_the_demo_summer_is_the_last_complete_warm_season(today, season):
    summer = demo.Summer.before(today)

    assert (summer.start, summer.end) == (date(season, 5, 1), date(season, 9, 30))
    assert summer.heat_wave == (date(season, 7, 18), date(season, 7, 26))
    assert summer.storm == datetime(season, 8, 5, 14, tzinfo=AMS)


def test_the_warm_season_is_a_setting(settings):
    settings.CIVIC_WARM_SEASON = ((6, 1), (8, 31))

    assert demo.warm_season_before(date(2027, 9, 1)) == (date(2027, 6, 1), date(2027, 8, 31))
    assert demo.warm_season_before(date(2027, 8, 31)) == (date(2026, 6, 1), date(2026, 8, 31))


@pytest.mark.parametrize(
    ("today", "season"),
    [(date(2027, 2, 15), 2026), (date(2027, 7, 1), 2026), (date(2027, 10, 2), 2027)],
)
def test_a_short_demo_summer_shows_heat_wet_feet_and_faults_in_any_month(db, today, season):
    call_command("load_demo", "--core-only", stdout=StringIO())
    summer = demo.Summer.before(today)
    first, last = summer.window(WINDOW_DAYS)

    with on(today):
        demo.load_demo(progress=print, days=WINDOW_DAYS)

    assert Sensor.objects.filter(hardware="station").count() == 15
    assert Sensor.objects.exclude(hardware="station").count() == 48
    assert Sensor.objects.get(external_id="tuin-01").owner.username == "resident"
    # The readings lie in the last complete warm season, around its heat wave and storm.
    span = Reading.objects.aggregate(first=Min("observed_at"), last=Max("observed_at"))
    assert span["first"].astimezone(AMS).date() == first == date(season, 7, 16)
    assert span["last"].astimezone(AMS).date() == last == date(season, 8, 6)
    readings = Reading.objects.count()
    assert readings > 100_000
    # A heat wave by KNMI's definition on the network's median Tmax, around the planted one.
    [(wave_first, wave_last, days_30)] = knmi_heat_waves()
    assert wave_first <= summer.heat_wave[0] and summer.heat_wave[1] <= wave_last
    assert wave_first.year == season and days_30 >= 3
    # Tropical nights where it is paved (the shopping centre, the school yard), not in the green.
    hot, green = near(demo.HOT_SPOTS, 150), near(demo.GREEN_SPOTS, 250)
    assert hot and green
    tropical = SensorDay.objects.filter(t_min__gte=20)
    for external_id in hot:
        assert tropical.filter(sensor__external_id=external_id).count() >= 2, external_id
    assert not tropical.filter(sensor__external_id__in=green).exists()
    assert set(tropical.values_list("day", flat=True)) <= {
        summer.heat_wave[0] + timedelta(n) for n in range(9)
    }
    # Wet feet at the low spots the afternoon of the storm, nowhere else and no other day.
    low = near(demo.LOW_SPOTS, 450) & set(
        Sensor.objects.filter(quantities__contains=["wet_feet"]).values_list(
            "external_id", flat=True
        )
    )
    wet_feet = SensorDay.objects.filter(wet_feet_hours__gt=0)
    assert set(wet_feet.values_list("sensor__external_id", flat=True)) == low
    assert set(wet_feet.values_list("day", flat=True)) == {summer.storm.date()}
    assert min(wet_feet.values_list("wet_feet_hours", flat=True)) >= 5
    # The storm soaks every garden's soil (a wet spell), and the low spots' soil is the wettest.
    soaked = SensorDay.objects.filter(day=summer.storm.date() + timedelta(1), wet_spell_days__gte=1)
    assert soaked.count() == Sensor.objects.filter(quantities__contains=["soil_moisture"]).count()
    soil = dict(
        SensorDay.objects.filter(soil_mean__isnull=False)
        .values_list("sensor__external_id")
        .annotate(Avg("soil_mean"))
    )
    others = sorted(value for external_id, value in soil.items() if external_id not in low)
    assert min(soil[external_id] for external_id in low) > others[len(others) // 2]
    # Quality control catches the sensor in the sun and the stuck one, and no other.
    stuck = Sensor.objects.get(external_id=demo.STUCK_ID)
    sunny = Sensor.objects.get(external_id=demo.SUNNY_ID)
    assert ReadingFlag.objects.filter(sensor=stuck, check_name="stuck").exists()
    flagged_months = set(SensorMonthFlag.objects.values_list("sensor__external_id", flat=True))
    assert flagged_months == {demo.STUCK_ID, demo.SUNNY_ID}
    assert sunny.status == Sensor.Status.ACTIVE
    # The why: less green, warmer nights.
    slope = Evidence.objects.get(
        area__code="WK019312", name="green_share_slope_100m", period__key=f"season-{season}"
    )
    assert slope.value < 0
    assert slope.details["sensors"] >= 50
    assert Evidence.objects.filter(challenge__isnull=False, name="night_anomaly").exists()
    # The service found the heat wave itself and computed its figures.
    wave = EvidencePeriod.objects.get(kind="heat_wave")
    assert (wave.start, wave.end) == (wave_first, wave_last)
    assert Evidence.objects.filter(period=wave, name="heat_rank").exists()

    with on(today):
        demo.load_demo(progress=print, days=WINDOW_DAYS)

    assert Reading.objects.count() == readings
    messages = []

    # A newer warm season has ended since: the demo keeps the summer it loaded.
    with on(date(season + 2, 10, 2)):
        demo.load_demo(progress=messages.append, days=WINDOW_DAYS)

    assert Reading.objects.count() == readings
    assert any(f"summer of {season} was loaded before and stays" in line for line in messages)


def test_a_later_run_tops_up_the_summer_it_loaded_not_a_newer_one(db):
    call_command("load_demo", "--core-only", stdout=StringIO())
    with on(date(2027, 2, 15)):
        demo.load_demo(progress=print, days=2)
    loaded = Reading.objects.count()
    # One sensor lost its readings (say, the first run was stopped half-way).
    Reading.objects.filter(sensor__external_id="tuin-30").delete()

    with on(date(2028, 10, 2)):
        demo.load_demo(progress=print, days=2)

    assert Reading.objects.count() == loaded
    topped_up = Reading.objects.filter(sensor__external_id="tuin-30").aggregate(
        first=Min("observed_at"), last=Max("observed_at")
    )
    assert topped_up["first"].astimezone(AMS).date() == date(2026, 7, 16)
    assert topped_up["last"].astimezone(AMS).date() == date(2026, 7, 17)


def test_the_works_cooling_is_planted_in_exactly_the_sensors_an_evaluation_compares(db):
    """The pair with the interventions' demo (civic.demo.DEMO_WORKS), checked where it is measured.

    The evaluation counts the sensors within the radius of the site by their exact
    locations in PostGIS (RD New); the demo plants the change by its own arithmetic.
    They must be the same sensors, and the layout must give the three works what
    their verdicts need: the depaving and the trees at least 2 sensors near the site
    and 3 comparison sensors 400-1,500 m away, the facade gardens only 1 near theirs.
    """
    call_command("load_demo", "--core-only", stdout=StringIO())
    with on(date(2027, 2, 15)):
        demo.load_demo(progress=print, days=1)
    summer = demo.Summer.of_year(2026)
    devices = {d["external_id"]: d for d in demo._layout(random.Random(demo.SEED))}

    def within(works, low: float, high: float) -> set[str]:
        with connection.cursor() as cursor:
            cursor.execute(
                f"""
                SELECT external_id FROM sensors_sensor
                 WHERE ST_Distance(ST_Transform(location, {GRID_SRID}),
                                   ST_Transform(ST_GeomFromEWKT(%s), {GRID_SRID}))
                       BETWEEN %s AND %s
                """,  # noqa: S608 - a constant
                [works.site().ewkt, low, high],
            )
            return {row[0] for row in cursor.fetchall()}

    near = {works.key: within(works, 0, works.radius_m) for works in DEMO_WORKS}
    rings = {works.key: within(works, 400, 1500) for works in DEMO_WORKS}
    planted = {
        external_id
        for external_id, device in devices.items()
        if demo.planted_changes(device, summer)
    }

    assert planted == near[DEPAVING_WORKS.key] == {"tuin-01", "tuin-03", "tuin-25"}
    (first_step, change), *_ = demo.planted_changes(devices["tuin-01"], summer)
    assert change == DEPAVING_WORKS.night_change == -0.8
    weather_start = datetime(2026, 5, 1, tzinfo=AMS)
    assert weather_start + timedelta(minutes=10 * first_step) == datetime(2026, 8, 8, tzinfo=AMS)
    assert len(near[SCHOOL_TREES_WORKS.key]) >= 2 and len(rings[SCHOOL_TREES_WORKS.key]) >= 3
    assert len(rings[DEPAVING_WORKS.key]) >= 3
    assert len(near[FACADE_GARDENS_WORKS.key]) == 1

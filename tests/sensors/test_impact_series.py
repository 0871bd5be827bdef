"""The nightly series around a site: impact sensors, the control ring, excluded zones, no places."""

from dataclasses import replace
from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from civic.impact_series import SeriesRequest, series_batch, site_series
from sensors.models import SensorDay
from tests.sensors.conftest import from_rd, register, to_rd

pytestmark = pytest.mark.django_db

SITE = to_rd(Point(6.0555, 52.5245, srid=4326))
FIRST = date(2026, 6, 1)


def sensor_at(officer, name: str, east_m: float, value: float, days: int = 5):
    location = from_rd(SITE.x + east_m, SITE.y)
    sensor, _token = register(officer, name, location=location, kind="lamp_post")
    for offset in range(days):
        SensorDay.objects.create(
            sensor=sensor,
            day=FIRST + timedelta(days=offset),
            t_max=25.0,
            night_anomaly=value,
            computed_at=timezone.now(),
        )
    return sensor


def request(**kwargs) -> SeriesRequest:
    site = from_rd(SITE.x, SITE.y)
    return SeriesRequest(
        site=site, figure="night_anomaly", start=FIRST, end=FIRST + timedelta(days=9), **kwargs
    )


def test_sensors_are_split_into_impact_and_control_by_their_distance(officer, municipality):
    near = sensor_at(officer, "near", 80, 1.0)
    sensor_at(officer, "between", 300, 9.0)  # neither near nor far enough to compare
    ring = sensor_at(officer, "ring", 800, 0.2)
    sensor_at(officer, "too-far", 2000, 9.0)

    series = site_series(request())

    assert set(series.impact) == {f"s{near.pk}"}
    assert set(series.controls) == {f"s{ring.pk}"}
    assert series.impact[f"s{near.pk}"][FIRST] == 1.0
    assert len(series.controls[f"s{ring.pk}"]) == 5


def test_a_control_inside_another_interventions_zone_is_left_out(officer, municipality):
    kept = sensor_at(officer, "kept", 800, 0.1)
    touched = sensor_at(officer, "touched", -900, 0.1)
    other_site = from_rd(SITE.x - 900, SITE.y)

    series = site_series(request(exclude=((other_site, 150.0),)))

    assert set(series.controls) == {f"s{kept.pk}"}
    assert f"s{touched.pk}" not in series.controls


def test_a_control_inside_any_of_many_zones_is_left_out(officer, municipality):
    # given: works going on at three places in the ring, and fifty far away
    kept = sensor_at(officer, "kept", 800, 0.1)
    for n, east in enumerate((-900, 1200, -600)):
        sensor_at(officer, f"touched-{n}", east, 0.1)
    zones = tuple((from_rd(SITE.x + east, SITE.y + 40), 150.0) for east in (-900, 1200, -600))
    far = tuple((from_rd(SITE.x + 5000 + 200 * n, SITE.y), 150.0) for n in range(50))

    series = site_series(request(exclude=zones + far))

    assert set(series.controls) == {f"s{kept.pk}"}


def test_a_batch_reads_each_sensors_days_once_and_gives_the_same_series(officer, municipality):
    # given: two sites 700 m apart, each sensor near one and in the other's ring
    sensor_at(officer, "near-first", 80, 1.0)
    sensor_at(officer, "near-second", 780, 0.2)
    second = SeriesRequest(
        site=from_rd(SITE.x + 700, SITE.y),
        figure="night_anomaly",
        start=FIRST,
        end=FIRST + timedelta(days=9),
    )
    alone = [site_series(request()), site_series(second)]

    daytime = replace(request(), figure="t_max")
    alone.append(site_series(daytime))

    with CaptureQueriesContext(connection) as queries, series_batch():
        batched = [site_series(request()), site_series(second), site_series(daytime)]

    assert batched == alone
    assert set(alone[0].impact) == set(alone[1].controls)
    # night anomalies once for both sites, daytime maxima once; the first site's sensors once
    assert len([q for q in queries if "FROM sensors_sensorday" in q["sql"]]) == 2
    assert len([q for q in queries if "FROM sensors_sensor s" in q["sql"]]) == 2
    assert alone[2].impact[next(iter(alone[2].impact))][FIRST] == 25.0


def test_only_opaque_keys_and_values_leave_the_database(officer, municipality):
    sensor_at(officer, "ttn-garden-42", 50, 0.5)

    series = site_series(request())

    (key,) = series.impact
    assert "ttn-garden-42" not in key and key.startswith("s")
    assert all(isinstance(v, float) for v in series.impact[key].values())


def test_a_figure_without_a_daily_column_is_refused(municipality):
    with pytest.raises(ValueError):
        site_series(SeriesRequest(site=SITE, figure="1; DROP TABLE x", start=FIRST, end=FIRST))


def test_standing_water_comes_only_from_sensors_with_a_wet_feet_probe(officer, municipality):
    # A sensor without the probe stores 0 wet-feet hours a day: no reading, not a dry place.
    probe, _token = register(
        officer,
        "probe",
        location=from_rd(SITE.x + 60, SITE.y),
        kind="lamp_post",
        quantities=["air_temperature", "wet_feet"],
    )
    plain = sensor_at(officer, "plain", 90, 0.5)
    SensorDay.objects.create(
        sensor=probe, day=FIRST, wet_feet_hours=4, night_anomaly=0.5, computed_at=timezone.now()
    )

    wet = site_series(
        SeriesRequest(site=from_rd(SITE.x, SITE.y), figure="wet_feet_hours", start=FIRST, end=FIRST)
    )
    nights = site_series(request())

    assert wet.impact == {f"s{probe.pk}": {FIRST: 4.0}}
    assert set(nights.impact) == {f"s{probe.pk}", f"s{plain.pk}"}

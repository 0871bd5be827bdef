"""The before/after evaluation of a site on sensor-days in the database: windows and verdicts."""

from datetime import date, timedelta

import numpy as np
import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from interventions.evaluation import evaluate_site, evaluation_windows
from interventions.impact_estimate import Verdict, Window
from sensors.models import SensorDay
from tests.sensors.conftest import from_rd, register, to_rd

SITE = to_rd(Point(6.0555, 52.5245, srid=4326))
WORKS = (date(2026, 7, 1), date(2026, 7, 10))
AUTUMN = date(2026, 11, 30)


def test_works_inside_a_season_compare_its_nights_before_and_after():
    before, after = evaluation_windows(works_start=WORKS[0], works_end=WORKS[1], today=AUTUMN)

    assert before == Window(date(2026, 5, 1), date(2026, 6, 30))
    assert after == Window(date(2026, 7, 11), date(2026, 9, 30))


def test_works_over_winter_compare_the_season_before_with_the_season_after():
    before, after = evaluation_windows(
        works_start=date(2026, 11, 2), works_end=date(2027, 2, 20), today=date(2027, 7, 15)
    )

    assert before == Window(date(2026, 5, 1), date(2026, 9, 30))
    assert after == Window(date(2027, 5, 1), date(2027, 7, 15))


def test_no_window_before_a_night_after_the_works():
    assert evaluation_windows(works_start=WORKS[0], works_end=WORKS[1], today=WORKS[1]) is None


DRIFT_PER_NIGHT = 0.05  # °C: a drifting control warms 3 °C through the before window


def plant(
    officer,
    *,
    effect: float,
    impact: int = 3,
    controls: int = 4,
    seed: int = 7,
    drifting: int = 0,
    others: dict[str, float] | None = None,
):
    """Sensor-days for May-September 2026: shared weather, AR(1) noise, `effect` after the works.

    `drifting` adds controls that warm steadily through the before window (not parallel to
    the impact sensors) and stay warm after. `others` plants an effect on more daily
    figures ({"t_max": -1.5, "soil_moisture": -4, "wet_feet_hours": -2}), same noise.
    """
    others = others or {}
    rng = np.random.default_rng(seed)
    days = [date(2026, 5, 1) + timedelta(days=n) for n in range(153)]
    works_index = days.index(WORKS[0])
    weather = rng.normal(0, 1.5, len(days))
    rows = []
    places = [(60 + 20 * n, "impact") for n in range(impact)]
    places += [(600 + 150 * n, "control") for n in range(controls)]
    places += [(1250 + 50 * n, "drifting") for n in range(drifting)]
    quantities = ["air_temperature", "relative_humidity", "soil_moisture", "wet_feet"]
    for n, (east, role) in enumerate(places):
        sensor, _token = register(
            officer,
            f"eval-{role}-{n}",
            location=from_rd(SITE.x + east, SITE.y),
            kind="lamp_post",
            quantities=quantities if others else ["air_temperature", "relative_humidity"],
        )
        noise, value = rng.normal(0, 0.3, len(days)), 0.0
        for i, day in enumerate(days):
            value = 0.6 * value + noise[i]
            after = day > WORKS[1]
            on = role == "impact" and after
            drift = DRIFT_PER_NIGHT * min(i, works_index) if role == "drifting" else 0.0
            if WORKS[0] <= day <= WORKS[1]:
                continue  # the works: no comparable nights
            row = SensorDay(
                sensor=sensor,
                day=day,
                night_anomaly=round(
                    0.5 + weather[i] * 0.1 + value + drift + (effect if on else 0), 3
                ),
                computed_at=timezone.now(),
            )
            if "t_max" in others:
                row.t_max = round(24 + weather[i] + value + (others["t_max"] if on else 0), 3)
            if "soil_moisture" in others:
                shift = others["soil_moisture"] if on else 0
                row.soil_mean = round(30 + 3 * value + shift, 3)
            if "wet_feet_hours" in others:
                shift = others["wet_feet_hours"] if on else 0
                row.wet_feet_hours = max(0, round(6 + 4 * value + shift))
            rows.append(row)
    SensorDay.objects.bulk_create(rows)


def evaluate():
    return evaluate_site(
        site=from_rd(SITE.x, SITE.y), works_start=WORKS[0], works_end=WORKS[1], today=AUTUMN
    )


@pytest.mark.django_db
def test_a_planted_cooling_is_recovered_inside_its_interval(officer, municipality):
    plant(officer, effect=-0.8)

    estimate, _windows = evaluate()

    assert estimate.verdict == Verdict.COOLER
    assert estimate.low <= -0.8 <= estimate.high
    assert (estimate.counts.impact_sensors, estimate.counts.control_sensors) == (3, 4)
    assert estimate.counts.nights_before == 61 and estimate.counts.nights_after == 82


@pytest.mark.django_db
def test_no_real_effect_reads_no_clear_effect(officer, municipality):
    plant(officer, effect=0.0, seed=11)

    estimate, _windows = evaluate()

    assert estimate.verdict == Verdict.NO_CLEAR_EFFECT
    assert estimate.low <= 0 <= estimate.high


@pytest.mark.django_db
def test_too_few_sensors_near_the_site_is_not_enough_data_yet(officer, municipality):
    plant(officer, effect=-0.8, impact=1)

    estimate, _windows = evaluate()

    assert estimate.verdict == Verdict.NOT_ENOUGH_DATA
    assert estimate.effect is None
    assert [s.what for s in estimate.missing] == ["impact_sensors"]

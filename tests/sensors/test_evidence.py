"""Sensor evidence lands on challenges and neighbourhoods, with the green-share explanation."""

from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import MultiPolygon, Point
from django.utils import timezone

from civic.models import Challenge, Evidence
from sensors.evidence import evidence_recompute, surroundings_recompute
from sensors.models import LandCover, SensorDay, SensorSurroundings
from sensors.services import sensor_register
from tests.factories import CENTRE, ChallengeFactory, square

FIRST = date(2026, 7, 1)
# Sensors 0.0036° (about 244 m) apart, west to east across the neighbourhood,
# the outer ones 0.001° (68 m) inside it: a sensor counts where the centre of
# its 100 m cell lies, up to 50 m east or west of the sensor.
# (green polygon half-size in degrees or 0, night anomaly °C)
SPACING = 0.0036
WEST = CENTRE[0] - 0.009
LAYOUT = [
    (0.0000, 1.6),
    (0.0000, 1.4),
    (0.0003, 0.9),
    (0.0006, 0.3),
    (0.0009, -0.4),
    (0.0012, -1.1),
]


@pytest.fixture
def network(officer, municipality):
    sensors = []
    for index, (green, anomaly) in enumerate(LAYOUT):
        lon, lat = WEST + index * SPACING, CENTRE[1]
        sensor, _ = sensor_register(
            actor=officer,
            external_id=f"ev-{index}",
            hardware="native",
            quantities=["air_temperature", "wet_feet"],
            location=Point(lon, lat, srid=4326),
        )
        if green:
            LandCover.objects.create(kind="green", geometry=square(lon, lat, green))
        for offset in range(10):
            SensorDay.objects.create(
                sensor=sensor,
                day=FIRST + timedelta(days=offset),
                t_min=19.0 + anomaly + (1.5 if offset < 3 else 0),
                t_max=27.0,
                t_count=144 if offset < 8 else 60,
                night_anomaly=anomaly,
                day_anomaly=anomaly / 2,
                wet_feet_hours=index,
                computed_at=timezone.now(),
            )
        sensors.append(sensor)
    return sensors


def _figures(**subject) -> dict[str, Evidence]:
    return {e.name: e for e in Evidence.objects.filter(source="sensors", **subject)}


def test_a_challenge_gets_the_mean_of_the_sensors_around_it(network, heat):
    # A small square between the first two sensors: both lie within the 250 m
    # buffer (about 110 m away), the third (about 350 m away) does not.
    west = ChallengeFactory(
        theme=heat,
        status=Challenge.Status.OPEN,
        geometry=square(WEST + SPACING / 2, CENTRE[1], 0.0002),
    )
    east = ChallengeFactory(
        theme=heat,
        status=Challenge.Status.OPEN,
        geometry=square(WEST + 5 * SPACING, CENTRE[1], 0.0002),
    )

    evidence_recompute(everything=True)

    figures = _figures(challenge=west)
    assert figures["sensor_count"].value == 2
    assert figures["night_anomaly"].value == pytest.approx((1.6 + 1.4) / 2)
    assert figures["heat_rank"].value == 1
    assert figures["heat_rank"].details["of"] == 2
    # 8 of 10 days complete; three tropical nights for the two warmest sensors.
    assert figures["coverage"].value == pytest.approx(0.8)
    assert figures["tropical_nights"].value == pytest.approx(10)
    period = figures["night_anomaly"].period
    assert (period.kind, period.start, period.end) == (
        "season",
        date(2026, 5, 1),
        date(2026, 9, 30),
    )
    assert period.coverage["sensors"]["days"] == 10
    assert _figures(challenge=east)["heat_rank"].value == 2


def test_neighbourhoods_get_figures_and_a_rank(network, neighbourhood):
    evidence_recompute(everything=True)

    figures = _figures(area=neighbourhood)
    assert figures["sensor_count"].value == 6
    assert figures["night_anomaly"].value == pytest.approx(sum(a for _, a in LAYOUT) / 6)
    assert figures["wet_feet_hours"].value == pytest.approx(sum(range(6)) * 10 / 6)
    assert figures["heat_rank"].value == 1


def test_green_share_explains_the_night_warmth(network, municipality):
    evidence_recompute(everything=True)

    shares = dict(SensorSurroundings.objects.values_list("sensor__external_id", "green_100"))
    assert shares["ev-0"] == 0
    assert 0 < shares["ev-2"] < shares["ev-5"] <= 1
    fit = Evidence.objects.get(area=municipality, name="green_share_slope_100m")
    xs = [shares[f"ev-{i}"] for i in range(6)]
    ys = [a for _, a in LAYOUT]
    mean_x, mean_y = sum(xs) / 6, sum(ys) / 6
    sxx = sum((x - mean_x) ** 2 for x in xs)
    slope = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / sxx
    residuals = [y - (mean_y + slope * (x - mean_x)) for x, y in zip(xs, ys, strict=True)]
    standard_error = (sum(r * r for r in residuals) / 4 / sxx) ** 0.5
    assert fit.value == pytest.approx(slope)
    assert fit.value < 0  # greener is cooler at night
    assert fit.details["standard_error"] == pytest.approx(standard_error)
    assert fit.details["sensors"] == 6


def test_recomputing_twice_gives_the_same_rows(network, heat):
    ChallengeFactory(theme=heat, status=Challenge.Status.OPEN, geometry=square(*CENTRE, 0.01))
    evidence_recompute(everything=True)
    first = list(
        Evidence.objects.order_by("challenge", "area", "name").values_list(
            "challenge", "area", "name", "value"
        )
    )

    evidence_recompute(everything=True)

    assert (
        list(
            Evidence.objects.order_by("challenge", "area", "name").values_list(
                "challenge", "area", "name", "value"
            )
        )
        == first
    )


def test_a_challenge_that_loses_its_sensors_loses_its_sensor_figures(network, heat):
    challenge = ChallengeFactory(
        theme=heat, status=Challenge.Status.OPEN, geometry=square(*CENTRE, 0.01)
    )
    evidence_recompute(everything=True)
    assert _figures(challenge=challenge)

    challenge.geometry = MultiPolygon(square(CENTRE[0] + 0.04, CENTRE[1], 0.001)[0], srid=4326)
    challenge.save(update_fields=["geometry"])
    evidence_recompute(everything=True)

    # Only the (truthful) count is left: no sensor within 250 m any more.
    figures = _figures(challenge=challenge)
    assert {name: f.value for name, f in figures.items()} == {"sensor_count": 0}


def test_surroundings_are_computed_once_per_sensor_until_land_cover_changes(network):
    evidence_recompute(everything=True)
    first = network[0]
    assert SensorSurroundings.objects.get(sensor=first).green_100 == 0
    LandCover.objects.create(kind="green", geometry=square(WEST, CENTRE[1], 0.0004))

    evidence_recompute(everything=True)
    assert SensorSurroundings.objects.get(sensor=first).green_100 == 0

    surroundings_recompute()
    assert SensorSurroundings.objects.get(sensor=first).green_100 > 0


def test_a_neighbourhood_gets_the_longest_dry_spell_of_its_sensors_on_average(
    network, neighbourhood
):
    # Sensor 0's soil was dry for 4 days in a row at most, sensor 1's for 2;
    # the others measure no soil (NULL spells) and do not count.
    for sensor, spells in ((network[0], [1, 2, 3, 4, 0]), (network[1], [0, 1, 2, 0, 0])):
        for offset, length in enumerate(spells):
            SensorDay.objects.filter(sensor=sensor, day=FIRST + timedelta(days=offset)).update(
                dry_spell_days=length, wet_spell_days=0
            )

    evidence_recompute(everything=True)

    figures = _figures(area=neighbourhood)
    assert figures["dry_spell_days"].value == pytest.approx((4 + 2) / 2)
    assert figures["wet_spell_days"].value == 0


def test_places_where_nothing_wet_was_measured_get_no_wet_rank(network, heat):
    # Sensor 0 measures wet feet but never had any; sensor 5 had 5 hours a day.
    dry = ChallengeFactory(
        theme=heat,
        status=Challenge.Status.OPEN,
        geometry=square(WEST - 0.002, CENTRE[1], 0.0002),
    )
    wet = ChallengeFactory(
        theme=heat,
        status=Challenge.Status.OPEN,
        geometry=square(WEST + 5 * SPACING + 0.002, CENTRE[1], 0.0002),
    )

    evidence_recompute(everything=True)

    dry_figures, wet_figures = _figures(challenge=dry), _figures(challenge=wet)
    assert dry_figures["wet_feet_hours"].value == 0
    # 0 hours is not "tied for wettest" (a cumulative share would say 1.0 for ties).
    assert "wet_rank" not in dry_figures
    assert dry_figures["wetness_index"].value == 0
    assert (wet_figures["wet_rank"].value, wet_figures["wet_rank"].details["of"]) == (1, 1)

"""A sensor is named and counted in the neighbourhood of its public cell, never of its garden.

Each garden below lies on one side of a neighbourhood boundary while the
centre of its 100 m cell lies on the other: a neighbourhood taken from the
exact location would tell which side.
"""

import importlib
from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from civic.models import Area, Challenge, Evidence
from sensors.evidence import evidence_recompute
from sensors.models import Sensor, SensorDay
from sensors.services import public_location_for
from tests.cells import across_meridian
from tests.conftest import WERKEREN_EAST_EDGE as EDGE
from tests.factories import CENTRE, ChallengeFactory, ResidentFactory, square
from tests.sensors.conftest import from_rd, register, to_rd

URL = "/api/v1/sensors/"


@pytest.fixture
def garden_in_werkeren_cell_in_oost(resident, neighbourhood, oost):
    location = across_meridian(EDGE, CENTRE[1], point_side="west")
    assert neighbourhood.geometry.covers(location)
    assert oost.geometry.covers(public_location_for(location))
    sensor, _token = register(resident, "tuin-grens", location=location)
    return sensor


def to_4326(lon_lat: tuple[float, float]) -> Point:
    return Point(*lon_lat, srid=4326)


def _area_in_registry(user, sensor: Sensor) -> str:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    response = client.get(URL)
    assert response.status_code == 200
    [feature] = [f for f in response.json()["features"] if f["id"] == sensor.pk]
    return feature["properties"]["area"]


@pytest.mark.parametrize("role", ["anonymous", "other_resident", "council"])
def test_the_registry_names_the_neighbourhood_of_the_cell_to_those_without_the_exact_location(
    request, role, garden_in_werkeren_cell_in_oost
):
    user = None if role == "anonymous" else request.getfixturevalue(role)

    assert _area_in_registry(user, garden_in_werkeren_cell_in_oost) == "BU01930009"


@pytest.mark.parametrize("role", ["resident", "officer"])
def test_owner_and_officers_see_the_same_public_neighbourhood_next_to_the_exact_point(
    request, role, garden_in_werkeren_cell_in_oost
):
    # One neighbourhood per sensor: the one its figures are counted in.
    assert _area_in_registry(request.getfixturevalue(role), garden_in_werkeren_cell_in_oost) == (
        "BU01930009"
    )


def _days(sensor: Sensor, anomaly: float) -> None:
    for offset in range(5):
        SensorDay.objects.create(
            sensor=sensor,
            day=date(2026, 7, 1) + timedelta(days=offset),
            t_min=19.0,
            t_max=27.0,
            t_count=144,
            night_anomaly=anomaly,
            day_anomaly=0.0,
            computed_at=timezone.now(),
        )


def test_neighbourhood_evidence_counts_a_sensor_where_its_cell_lies(
    resident, neighbourhood, oost, garden_in_werkeren_cell_in_oost
):
    # Each sensor's own figures are public, so a mean over members chosen by
    # exact location would give the boundary garden's side away.
    inner, _token = register(resident, "tuin-midden", location=to_4326(CENTRE))
    _days(inner, 1.0)
    _days(garden_in_werkeren_cell_in_oost, 3.0)

    evidence_recompute(everything=True)

    werkeren = {e.name: e.value for e in Evidence.objects.filter(area=neighbourhood)}
    east = {e.name: e.value for e in Evidence.objects.filter(area=oost)}
    assert (werkeren["sensor_count"], werkeren["night_anomaly"]) == (1, pytest.approx(1.0))
    assert (east["sensor_count"], east["night_anomaly"]) == (1, pytest.approx(3.0))


def test_challenge_evidence_counts_a_sensor_by_its_cell_not_its_garden(officer, heat, municipality):
    # A small challenge square; a garden 240-245 m east of it whose cell centre
    # lies more than 255 m away (the buffer is 250 m). Searched in RD metres.
    challenge = ChallengeFactory(
        theme=heat, status=Challenge.Status.OPEN, geometry=square(*CENTRE, 0.0002)
    )
    square_rd = challenge.geometry.transform(28992, clone=True)
    east = to_rd(to_4326((CENTRE[0] + 0.0002, CENTRE[1])))

    def fits(x: float) -> bool:
        centre = Point((x // 100 + 0.5) * 100, (east.y // 100 + 0.5) * 100, srid=28992)
        return square_rd.distance(Point(x, east.y, srid=28992)) <= 245 and (
            square_rd.distance(centre) >= 255
        )

    x = next(x for x in (east.x + d / 2 for d in range(300, 500)) if fits(x))
    near, _ = register(ResidentFactory(), "tuin-bij", location=to_4326(CENTRE))
    edge, _ = register(ResidentFactory(), "tuin-rand", location=from_rd(x, east.y))
    _days(near, 1.0)
    _days(edge, 3.0)

    evidence_recompute(everything=True)

    figures = {e.name: e.value for e in Evidence.objects.filter(challenge=challenge)}
    assert (figures["sensor_count"], figures["night_anomaly"]) == (1, pytest.approx(1.0))


def test_the_migration_moves_existing_sensors_to_the_neighbourhood_of_their_cell(
    neighbourhood, oost, garden_in_werkeren_cell_in_oost
):
    sensor = garden_in_werkeren_cell_in_oost
    # As registered before: the neighbourhood of the exact location.
    Sensor.objects.filter(pk=sensor.pk).update(area=neighbourhood)
    migration = importlib.import_module("sensors.migrations.0008_sensor_area_from_public_cell")
    [operation] = migration.Migration.operations

    with connection.cursor() as cursor:
        cursor.execute(operation.sql)
    assert Sensor.objects.get(pk=sensor.pk).area == oost

    with connection.cursor() as cursor:
        cursor.execute(operation.reverse_sql)
    assert Sensor.objects.get(pk=sensor.pk).area == neighbourhood


def test_a_sensor_whose_cell_lies_outside_every_neighbourhood_is_in_the_municipality(
    resident, municipality, neighbourhood
):
    # West edge of Werkeren, nothing west of it but the municipality.
    location = across_meridian(CENTRE[0] - 0.01, CENTRE[1], point_side="east")

    sensor, _token = register(resident, "tuin-west", location=location)

    assert neighbourhood.geometry.covers(location)
    assert Sensor.objects.get(pk=sensor.pk).area == municipality
    assert municipality.kind == Area.Kind.MUNICIPALITY

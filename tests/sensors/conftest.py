"""Sensor fixtures: a registered garden sensor with its device token."""

import pytest
from django.contrib.gis.geos import Point

from sensors import services
from tests.factories import CENTRE


@pytest.fixture
def garden_sensor(resident, municipality):
    """(sensor, raw token) for a resident's garden sensor near the centre."""
    return services.sensor_register(
        actor=resident,
        external_id="garden-001",
        hardware="native",
        quantities=["air_temperature", "relative_humidity", "soil_moisture", "wet_feet"],
        location=Point(CENTRE[0] + 0.0012, CENTRE[1] + 0.0007, srid=4326),
        exposure="sun",
        surface="paving",
    )


@pytest.fixture
def device_client(garden_sensor):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Device {garden_sensor[1]}")
    return client


# RD New (EPSG:28992): the working CRS whose 100 m cells give public locations.
RD_SRID = 28992


def to_rd(point: Point) -> Point:
    """The point in RD New (EPSG:28992) metres."""
    return point.transform(RD_SRID, clone=True)


def from_rd(x: float, y: float) -> Point:
    """A WGS84 point from RD New metres."""
    return Point(x, y, srid=RD_SRID).transform(4326, clone=True)


def cell_corner(point: Point) -> tuple[float, float]:
    """The south-west corner (RD New metres) of the 100 m cell holding the point."""
    rd = to_rd(point)
    return (rd.x // 100) * 100, (rd.y // 100) * 100


def point_in_cell_of(point: Point, dx: float, dy: float) -> Point:
    """A WGS84 point `dx`, `dy` metres from the south-west corner of `point`'s cell."""
    x0, y0 = cell_corner(point)
    return from_rd(x0 + dx, y0 + dy)


def register(actor, external_id: str, location: Point | None = None, **kwargs):
    """sensor_register with sensible defaults for a garden sensor; returns (sensor, raw token)."""
    kwargs.setdefault("hardware", "native")
    kwargs.setdefault("quantities", ["air_temperature", "relative_humidity"])
    return services.sensor_register(
        actor=actor,
        external_id=external_id,
        location=location or Point(CENTRE[0] - 0.002, CENTRE[1] + 0.001, srid=4326),
        **kwargs,
    )


@pytest.fixture
def api():
    """An API client without credentials."""
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def station_community(officer, municipality):
    """(chip id, token) of a sensor.community station registered by an officer."""
    _sensor, token = services.sensor_register(
        actor=officer,
        external_id="esp8266-12345678",
        hardware="sensor_community",
        quantities=["air_temperature", "relative_humidity"],
        location=Point(CENTRE[0] - 0.002, CENTRE[1], srid=4326),
    )
    return "esp8266-12345678", token

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

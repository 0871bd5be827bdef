"""The map's wetness colouring: soil moisture and wet feet per sensor in the API, and the page."""

from datetime import date, timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone
from rest_framework.test import APIClient

from civic.models import EvidencePeriod
from sensors.models import SensorDay
from tests.factories import CENTRE
from tests.sensors.conftest import register

URL = "/api/v1/sensors/"
LATEST = date(2026, 8, 31)
# An officer's period of the 30 days up to LATEST: the figures are over the period asked for.
WINDOW = "2026-08-02..2026-08-31"


@pytest.fixture(autouse=True)
def window(db):
    return EvidencePeriod.objects.create(
        key=WINDOW, kind="custom", start=LATEST - timedelta(days=29), end=LATEST
    )


def day(sensor, days_before_latest: int, **figures) -> SensorDay:
    return SensorDay.objects.create(
        sensor=sensor,
        day=LATEST - timedelta(days=days_before_latest),
        computed_at=timezone.now(),
        **figures,
    )


def properties_by_name(response) -> dict[str, dict]:
    assert response.status_code == 200
    return {f["properties"]["name"]: f["properties"] for f in response.json()["features"]}


@pytest.fixture
def wet_garden(resident, municipality):
    sensor, _ = register(
        resident,
        "garden-wet",
        name="Wet garden",
        quantities=["air_temperature", "soil_moisture", "wet_feet"],
    )
    return sensor


@pytest.fixture
def lamp_post(officer, municipality):
    sensor, _ = register(
        officer,
        "lamp-post-1",
        name="Lamp post",
        location=Point(CENTRE[0] + 0.003, CENTRE[1], srid=4326),
        quantities=["air_temperature", "relative_humidity"],
    )
    return sensor


def test_the_registry_carries_the_period_s_soil_moisture_and_wet_feet(api, wet_garden, lamp_post):
    # given: three days in the period (one without soil readings) and one before it
    day(wet_garden, 0, soil_mean=31.0, wet_feet_hours=5)
    day(wet_garden, 10, soil_mean=24.5, wet_feet_hours=2)
    day(wet_garden, 29, soil_mean=None, wet_feet_hours=0)
    day(wet_garden, 30, soil_mean=80.0, wet_feet_hours=40)
    # a sensor without wet-feet or soil sensing still has day rows saying 0 hours
    day(lamp_post, 0, night_anomaly=0.4)

    # when
    sensors = properties_by_name(api.get(URL, {"period": WINDOW}))

    # then: (31.0 + 24.5) / 2 and 5 + 2 + 0 by hand; the day before the period is outside
    assert sensors["Wet garden"]["soil_moisture"] == pytest.approx(27.75)
    assert sensors["Wet garden"]["wet_feet_hours"] == 7
    # "does not measure" is null, not 0 hours (which the map would colour as dry)
    assert sensors["Lamp post"]["wet_feet_hours"] is None
    assert sensors["Lamp post"]["soil_moisture"] is None
    assert sensors["Lamp post"]["night_anomaly"] == pytest.approx(0.4)


def test_a_wet_feet_sensor_without_wet_days_says_zero_hours(api, wet_garden):
    day(wet_garden, 0, soil_mean=20.0, wet_feet_hours=0)

    sensor = properties_by_name(api.get(URL, {"period": WINDOW}))["Wet garden"]

    assert sensor["wet_feet_hours"] == 0
    assert sensor["soil_moisture"] == pytest.approx(20.0)


def test_before_any_statistics_the_figures_are_null(api, wet_garden):
    sensor = properties_by_name(api.get(URL, {"period": WINDOW}))["Wet garden"]

    assert (sensor["night_anomaly"], sensor["wet_feet_hours"], sensor["soil_moisture"]) == (
        None,
        None,
        None,
    )


def test_the_schema_documents_soil_moisture_as_read_only(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    sensor = schema["components"]["schemas"]["Sensor"]["properties"]["properties"]["properties"]
    assert sensor["soil_moisture"]["readOnly"] is True
    assert sensor["soil_moisture"]["nullable"] is True
    assert "soil moisture (%)" in sensor["soil_moisture"]["description"]
    assert sensor["wet_feet_hours"]["nullable"] is True


def test_the_map_offers_the_wetness_colouring_with_its_legend(client, heat):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-sensors-heat-label="Sensor squares: night warmth"' in html
    assert 'data-sensors-wet-label="Sensor squares: wetness"' in html
    assert 'data-soil-moisture-label="soil moisture"' in html
    assert '<div class="sensor-legend" id="sensor-legend-heat">' in html
    # Wetness is the second choice: its legend waits, hidden, until it is picked.
    assert '<div class="sensor-legend" id="sensor-legend-wet" hidden>' in html
    assert "does not measure wet feet, or no figures yet" in html


def test_the_dutch_map_names_the_colourings_in_dutch(client, heat):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    assert 'data-sensors-wet-label="Sensorvakken: natheid"' in html
    assert 'data-soil-moisture-label="bodemvocht"' in html
    assert "meet geen natte voeten, of nog geen cijfers" in html

"""Sensor pages: the section, a host's own sensors, the readings download, network health."""

import csv
import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from sensors import ingest
from sensors.daily import daily_stats_recompute_all_dirty
from sensors.evidence import evidence_recompute
from sensors.models import ReadingFlag

AMS = ZoneInfo("Europe/Amsterdam")


def test_index_url_is_named():
    assert reverse("sensors:index") == "/sensors/"


def test_index_explains_the_network_and_the_rounding(client, db):
    response = client.get("/sensors/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sensor network</h1>" in html
    assert "100 m" in html


@pytest.fixture
def two_days(garden_sensor):
    sensor, _ = garden_sensor
    start = datetime(2026, 7, 1, tzinfo=AMS)
    ingest.readings_ingest(
        sensor=sensor,
        records=[
            {
                "quantity": "air_temperature",
                "observed_at": (start + timedelta(hours=h)).isoformat(),
                "value": 18.0 + (h % 24) / 2,
            }
            for h in range(48)
        ],
    )
    daily_stats_recompute_all_dirty()
    ReadingFlag.objects.create(
        sensor=sensor, quantity="air_temperature", observed_at=start, check_name="spike"
    )
    return sensor


def test_a_host_sees_their_sensor_with_days_chart_and_flags_explained(client, resident, two_days):
    client.force_login(resident)

    response = client.get("/sensors/mine/", HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="sensor-{two_days.pk}"' in html
    assert "<svg" in html and "<polyline" in html
    assert "<strong>Spike</strong>" in html and "straight back" in html
    assert "29.5" in html  # the first day's highest temperature


def test_other_residents_see_no_sensor_of_someone_else(client, other_resident, two_days):
    client.force_login(other_resident)

    assert f'id="sensor-{two_days.pk}"' not in client.get("/sensors/mine/").content.decode()
    assert client.get(f"/sensors/{two_days.pk}/readings.csv").status_code == 404


def test_the_host_downloads_the_readings_with_qc_marks(client, resident, two_days):
    client.force_login(resident)

    response = client.get(f"/sensors/{two_days.pk}/readings.csv")

    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["device_id", "quantity", "observed_at", "value", "qc_flagged"]
    assert len(rows) == 49
    assert rows[1][4] == "1" and rows[2][4] == "0"


def test_network_health_is_for_officers(client, officer, resident, two_days):
    client.force_login(resident)
    assert client.get("/sensors/health/").status_code == 403

    client.force_login(officer)
    response = client.get("/sensors/health/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert two_days.external_id in response.content.decode()


def test_the_public_registry_carries_each_sensors_night_warmth(client, two_days):
    from sensors.models import SensorDay

    SensorDay.objects.filter(sensor=two_days).update(night_anomaly=0.8)
    evidence_recompute(everything=True)  # the season of those days now holds figures

    body = client.get("/api/v1/sensors/").json()
    feature = body["features"][0]
    assert body["period"]["key"] == "season-2026"

    assert feature["properties"]["night_anomaly"] == pytest.approx(0.8)


def test_the_public_map_draws_the_sensor_layer(client, heat):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert 'data-sensors-url="/api/v1/sensors/"' in html
    assert "Squares show sensors, rounded to 100 m" in html


def test_the_section_says_how_fresh_the_figures_are(client, two_days):
    from sensors.tasks import recompute_dirty_days

    before = client.get("/sensors/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    recompute_dirty_days.delay()
    after = client.get("/sensors/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "have not been computed yet" in before
    assert "last brought up to date" in after


def test_a_host_sees_how_many_days_their_soil_has_been_dry(client, resident, garden_sensor):
    sensor, _ = garden_sensor
    ingest.readings_ingest(
        sensor=sensor,
        records=[
            {
                "quantity": "soil_moisture",
                "observed_at": datetime(2026, 7, day, 12, tzinfo=AMS).isoformat(),
                "value": value,
            }
            for day, value in ((1, 30.0), (2, 12.0), (3, 11.0), (4, 10.0))
        ],
    )
    daily_stats_recompute_all_dirty()
    client.force_login(resident)

    english = client.get("/sensors/mine/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    dutch = client.get("/sensors/mine/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    assert "Soil moisture" in english
    assert "10 % · dry for 3 days in a row" in english
    assert "12 % · dry for 1 day" in english
    assert "3 dagen op rij droog" in dutch

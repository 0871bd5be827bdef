"""The network-health page shows quality control per calendar month, every check in words."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.gis.geos import Point

from sensors import ingest, services
from sensors.daily import daily_stats_recompute_all_dirty
from sensors.models import ReadingFlag, SensorMonthFlag
from tests.factories import CENTRE

AMS = ZoneInfo("Europe/Amsterdam")
JUNE, JULY = datetime(2026, 6, 10, tzinfo=AMS), datetime(2026, 7, 20, tzinfo=AMS)
CODES = ("network_z", "month_fail_rate", "month_correlation", "range", "stuck", "spike", "buddy")


@pytest.fixture
def two_months(garden_sensor):
    """A garden sensor with readings in June and July 2026, and what QC found in each."""
    sensor, _token = garden_sensor
    for start in (JUNE, JULY):
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

    def flag(start, hours, check):
        for h in hours:
            ReadingFlag.objects.create(
                sensor=sensor,
                quantity="air_temperature",
                observed_at=start + timedelta(hours=h),
                check_name=check,
            )

    flag(JUNE, [12, 13], "network_z")
    flag(JUNE, [3], "range")
    SensorMonthFlag.objects.create(
        sensor=sensor, month=JUNE.date().replace(day=1), check_name="month_fail_rate", value=0.31
    )
    SensorMonthFlag.objects.create(
        sensor=sensor, month=JUNE.date().replace(day=1), check_name="buddy", value=0.25
    )
    flag(JULY, [1, 2, 3], "stuck")
    flag(JULY, [20], "spike")
    SensorMonthFlag.objects.create(
        sensor=sensor, month=JULY.date().replace(day=1), check_name="month_correlation", value=None
    )
    return sensor


def health(client, language="en", **query):
    return client.get("/sensors/health/", query, HTTP_ACCEPT_LANGUAGE=language)


def row_of(html: str, sensor) -> str:
    start = html.index(f'id="health-{sensor.pk}"')
    return html[start : html.index("</tr>", start)]


def test_by_default_the_page_shows_the_month_with_the_latest_readings_on_any_date(
    client, officer, two_months
):
    # months after the readings: "the last 30 days" would show nothing
    with time_machine.travel(datetime(2027, 2, 10, 9, tzinfo=AMS), tick=False):
        client.force_login(officer)
        response = health(client)

    html = response.content.decode()
    assert response.status_code == 200
    assert "Quality control of <strong>July 2026</strong>" in html
    assert '<option value="2026-07" selected>July 2026</option>' in html
    assert '<option value="2026-06">June 2026</option>' in html
    row = row_of(html, two_months)
    assert "Stuck value: 3" in row and "Spike: 1" in row
    assert "Does not follow the weather (no variation at all)" in row
    assert "Too warm or cold by day" not in row  # June's


def test_an_officer_chooses_the_month(client, officer, two_months):
    client.force_login(officer)

    html = health(client, month="2026-06").content.decode()

    assert "Quality control of <strong>June 2026</strong>" in html
    assert '<option value="2026-06" selected>' in html
    row = row_of(html, two_months)
    assert "Too warm or cold by day: 2" in row and "Impossible value: 1" in row
    assert "Often off the network (31 % of its daytime readings)" in row
    assert "Off its neighbours (25 % of its hours)" in row
    assert "Stuck value" not in row  # July's
    # the counts per check for the month, each check explained
    assert "<strong>Too warm or cold by day</strong> · 2 readings, 1 sensor" in html
    assert "<strong>Stuck value</strong> · 0 readings, 0 sensors" in html
    assert "beyond its own difference at night" in html


@pytest.mark.parametrize("month", ["2026-05", "2026-13", "juli", "2026-7", "", "2026-06-01"])
def test_an_unknown_or_invalid_month_is_a_400_naming_month(client, officer, two_months, month):
    client.force_login(officer)

    response = health(client, month=month)

    assert response.status_code == 400
    html = response.content.decode()
    assert f"month={month} is not a month with readings" in html
    assert 'aria-invalid="true"' in html
    assert f'id="health-{two_months.pk}"' not in html  # nothing shown as if it were valid


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "en",
            [
                "Quality control of <strong>June 2026</strong>",
                "Often off the network",
                "Off its neighbours",
                "the whole month is left out",
                "A value outside what is plausible here",
            ],
        ),
        (
            "nl",
            [
                "Kwaliteitscontrole van <strong>juni 2026</strong>",
                "Vaak naast het netwerk",
                "Wijkt af van de buren",
                "de hele maand valt weg",
                "Een waarde die hier niet kan kloppen",
            ],
        ),
    ],
)
def test_every_check_is_explained_in_words_never_as_a_bare_code(
    client, officer, two_months, language, words
):
    client.force_login(officer)

    pages = [health(client, language, month=m).content.decode() for m in ("2026-06", "2026-07")]

    for word in words:
        assert word in pages[0], word
    for html in pages:
        for code in CODES if language == "nl" else CODES[:3]:
            assert code not in html, code


def test_before_any_reading_the_page_lists_the_sensors_and_says_there_is_nothing_yet(
    client, officer, garden_sensor
):
    client.force_login(officer)

    response = health(client)

    html = response.content.decode()
    assert response.status_code == 200
    assert "No readings yet" in html
    assert garden_sensor[0].external_id in html


@pytest.mark.parametrize(
    ("language", "months", "words"),
    [
        (
            "en",
            ("July 2026", "June 2026"),
            ["Stuck value", "3 readings left out", "no variation at all", "Often off the network"],
        ),
        (
            "nl",
            ("juli 2026", "juni 2026"),
            ["Vastgelopen waarde", "3 metingen weggelaten", "helemaal geen variatie"],
        ),
    ],
)
def test_a_host_reads_why_data_was_left_out_in_words_per_month(
    client, resident, two_months, language, months, words
):
    client.force_login(resident)

    html = client.get("/sensors/mine/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

    # per month, newest first
    assert html.index(f"<h4>{months[0]}</h4>") < html.index(f"<h4>{months[1]}</h4>")
    for word in words:
        assert word in html, word
    for code in CODES if language == "nl" else CODES[:3]:
        assert code not in html, code


def test_the_health_page_lists_a_sensor_registered_outside_any_month(client, officer, two_months):
    other, _token = services.sensor_register(
        actor=officer,
        external_id="station-zonder-data",
        hardware="station",
        quantities=["air_temperature"],
        location=Point(CENTRE[0] - 0.001, CENTRE[1], srid=4326),
    )
    client.force_login(officer)

    row = row_of(health(client).content.decode(), other)

    assert "station-zonder-data" in row and "never" in row

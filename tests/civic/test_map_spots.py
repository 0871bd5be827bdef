"""The map's "hot and wet spots": neighbourhood figures from sensor evidence, why, and how fresh."""

import re
from datetime import UTC, datetime

import pytest
from django.utils import formats, timezone, translation

from civic.models import Area, Evidence, EvidenceRun
from civic.runs import SENSOR_EVIDENCE_JOB
from civic.selectors import SENSOR_SOURCE, sensor_spots_summary
from tests.factories import AreaFactory, ChallengeFactory

MAP_URL = "/"
PERIOD = ["2026-06-01", "2026-08-31"]
# name: (sensors, night anomaly °C, wet-feet hours per sensor)
NEIGHBOURHOODS = {
    "Werkeren": (6, 0.42, 12.25),
    "Aalanden": (4, 0.81, 0.0),
    # The warmest and wettest, but about two gardens only: never listed.
    "Frankhuis": (2, 1.9, 40.0),
    "Westenholte": (3, -0.35, 3.5),
    "Stadshagen-Oost": (5, 0.1, 7.0),
}


def evidence(area, name: str, value: float | None, **details) -> Evidence:
    return Evidence.objects.create(
        area=area,
        source="sensors",
        name=name,
        value=value,
        details={"period": PERIOD, **details},
        computed_at=timezone.now(),
    )


def green_slope(area, slope: float, standard_error: float, sensors: int) -> Evidence:
    return evidence(
        area, "green_share_slope_100m", slope, standard_error=standard_error, sensors=sensors
    )


@pytest.fixture
def spots(municipality, heat):
    for name, (sensors, night, wet) in NEIGHBOURHOODS.items():
        area = Area.objects.filter(name=name).first() or AreaFactory(name=name, parent=municipality)
        evidence(area, "sensor_count", sensors, sensors=sensors)
        evidence(area, "night_anomaly", night, sensors=sensors, unit="°C")
        evidence(area, "wet_feet_hours", wet, sensors=sensors, per="sensor")
    district = AreaFactory(kind=Area.Kind.DISTRICT, name="Stadshagen", parent=municipality)
    green_slope(municipality, -1.1649563, 0.0885644, 62)
    # A district with a steeper fit: the municipality's speaks for the whole network.
    green_slope(district, -2.5, 0.4, 70)
    evidence(municipality, "green_share_slope_50m", -0.95, standard_error=0.1, sensors=62)
    # Challenge figures are not neighbourhood figures.
    Evidence.objects.create(
        challenge=ChallengeFactory(theme=heat),
        source="sensors",
        name="night_anomaly",
        value=5.0,
        details={"sensors": 9},
        computed_at=timezone.now(),
    )


def test_the_core_reads_the_source_the_sensors_app_writes():
    from sensors.evidence import SOURCE

    assert SENSOR_SOURCE == SOURCE


def section(client, language: str = "en") -> str:
    html = client.get(MAP_URL, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    found = re.search(r'<section id="sensor-spots".*?</section>', html, re.S)
    assert found, "the map page has no hot and wet spots section"
    return found.group(0)


def items(html: str, list_id: str) -> list[str]:
    found = re.search(rf'<ol id="{list_id}">(.*?)</ol>', html, re.S)
    assert found, f"no list {list_id}"
    return [" ".join(text.split()) for text in re.findall(r"<li>(.*?)</li>", found.group(1), re.S)]


def test_the_warmest_and_wettest_neighbourhoods_are_listed_in_order(client, spots):
    html = section(client)

    assert items(html, "spots-hottest") == [
        "Aalanden: +0.8 °C",
        "Werkeren: +0.4 °C",
        "Stadshagen-Oost: +0.1 °C",
    ]
    # No wet feet at all (Aalanden) is not a wet spot.
    assert items(html, "spots-wettest") == [
        "Werkeren: 12.3 h per sensor",
        "Stadshagen-Oost: 7 h per sensor",
        "Westenholte: 3.5 h per sensor",
    ]
    assert "Means per neighbourhood over June 1, 2026 \N{EN DASH} Aug. 31, 2026" in html


def test_neighbourhoods_with_fewer_than_three_sensors_are_never_listed(client, spots):
    html = section(client)

    assert "Frankhuis" not in html
    assert "at least 3 sensors" in html


def test_the_explanation_gives_slope_standard_error_and_sensors_of_the_municipality(client, spots):
    html = " ".join(section(client).split())

    assert (
        "In Zwolle, nights are 1.16 °C cooler per 100 % more green within 100 m "
        "(± 0.09 °C, 62 sensors)." in html
    )
    assert "margin of error" not in html


def test_a_slope_within_its_error_is_said_to_be_unsure(client, municipality):
    green_slope(municipality, 0.05, 0.2, 7)

    html = " ".join(section(client).split())

    assert "In Zwolle, nights are 0.05 °C warmer per 100 % more green" in html
    assert "(± 0.20 °C, 7 sensors)" in html
    assert "The margin of error is as large as the effect" in html


def test_without_a_municipality_fit_the_district_with_most_sensors_explains(municipality):
    small = AreaFactory(kind=Area.Kind.DISTRICT, name="Holtenbroek", parent=municipality)
    large = AreaFactory(kind=Area.Kind.DISTRICT, name="Stadshagen", parent=municipality)
    green_slope(small, -3.0, 0.5, 6)
    green_slope(large, -1.2, 0.1, 40)

    green = sensor_spots_summary().green

    assert (green.area_name, green.slope, green.standard_error, green.sensors) == (
        "Stadshagen",
        -1.2,
        0.1,
        40,
    )


def test_without_sensor_evidence_the_section_says_so(client, municipality, heat):
    html = section(client)

    assert "There are no sensor figures for neighbourhoods yet." in html
    assert "Warmest nights" not in html
    assert "The sensor figures have not been computed yet." in html


def test_the_section_says_when_the_figures_were_brought_up_to_date(client, spots):
    finished = datetime(2026, 9, 1, 4, 30, tzinfo=UTC)
    EvidenceRun.objects.create(job=SENSOR_EVIDENCE_JOB, status="done", finished_at=finished)
    # A later failed run and another job's run do not make the figures fresher.
    EvidenceRun.objects.create(
        job=SENSOR_EVIDENCE_JOB, status="failed", finished_at=datetime(2026, 9, 2, tzinfo=UTC)
    )
    EvidenceRun.objects.create(
        job="sensors.month_qc", status="done", finished_at=datetime(2026, 9, 3, tzinfo=UTC)
    )

    html = section(client)

    with translation.override("en"):
        when = formats.date_format(timezone.localtime(finished), "SHORT_DATETIME_FORMAT")
    assert f"Figures brought up to date: {when}<" in html
    assert "not been computed yet" not in html


def test_without_a_successful_run_the_section_says_there_is_none(client, spots):
    EvidenceRun.objects.create(
        job=SENSOR_EVIDENCE_JOB, status="failed", finished_at=datetime(2026, 9, 2, tzinfo=UTC)
    )

    html = section(client)

    assert "The sensor figures have not been computed yet." in html
    assert "Figures brought up to date" not in html


def test_the_dutch_page_explains_in_dutch(client, spots):
    EvidenceRun.objects.create(
        job=SENSOR_EVIDENCE_JOB, status="done", finished_at=datetime(2026, 9, 1, tzinfo=UTC)
    )

    html = " ".join(section(client, "nl").split())

    assert "Hete en natte plekken" in html
    assert "Warmste nachten" in html
    assert "Werkeren: 12,3 uur per sensor" in html
    assert (
        "In Zwolle zijn de nachten 1,16 °C koeler per 100 % meer groen binnen 100 m "
        "(± 0,09 °C, 62 sensoren)." in html
    )
    assert "Cijfers bijgewerkt:" in html


def test_the_summary_costs_two_queries_however_many_neighbourhoods(
    spots, django_assert_num_queries
):
    with django_assert_num_queries(2):
        summary = sensor_spots_summary()

    assert len(summary.hottest) == 3

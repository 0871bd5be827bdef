"""The map's "hot and wet spots": neighbourhood figures for a period, why, and how fresh."""

import re
from datetime import date, timedelta

import pytest
from django.utils import formats, timezone, translation

from civic.models import Area, Evidence, EvidencePeriod
from civic.selectors import sensor_spots_summary
from tests.factories import AreaFactory, ChallengeFactory, evidence_row, shown_season

MAP_URL = "/"
# name: (sensors, night anomaly °C, wetness index, wet-feet hours per sensor, soil moisture %)
NEIGHBOURHOODS = {
    "Werkeren": (6, 0.42, 0.9, 12.25, 38.0),
    "Aalanden": (4, 0.81, None, None, None),
    # The warmest and wettest, but about two gardens only: never listed.
    "Frankhuis": (2, 1.9, 1.0, 40.0, 45.0),
    "Westenholte": (3, -0.35, 0.5, 3.5, None),
    # Only soil sensors: still a wet spot.
    "Stadshagen-Oost": (5, 0.1, 0.7, None, 41.0),
}


def evidence(area, name: str, value: float | None, period=None, **details) -> Evidence:
    return evidence_row(
        area=area, source="sensors", name=name, value=value, period=period, details=details
    )


def green_slope(area, slope: float, standard_error: float, sensors: int, period=None):
    return evidence(
        area, "green_share_slope_100m", slope, period, standard_error=standard_error, n=sensors
    )


@pytest.fixture
def spots(municipality, heat):
    for name, (sensors, night, wet, feet, soil) in NEIGHBOURHOODS.items():
        area = Area.objects.filter(name=name).first() or AreaFactory(name=name, parent=municipality)
        evidence(area, "sensor_count", sensors, n=sensors)
        evidence(area, "night_anomaly", night, n=sensors)
        for figure, value in (("wetness_index", wet), ("wet_feet_hours", feet)):
            if value is not None:
                evidence(area, figure, value, n=sensors)
        if soil is not None:
            evidence(area, "soil_moisture", soil, n=sensors)
    district = AreaFactory(kind=Area.Kind.DISTRICT, name="Stadshagen", parent=municipality)
    green_slope(municipality, -1.1649563, 0.0885644, 62)
    # A district with a steeper fit: the municipality's speaks for the whole network.
    green_slope(district, -2.5, 0.4, 70)
    evidence(municipality, "green_share_slope_50m", -0.95, standard_error=0.1, n=62)
    # Challenge figures are not neighbourhood figures.
    evidence_row(
        challenge=ChallengeFactory(theme=heat),
        source="sensors",
        name="night_anomaly",
        value=5.0,
        details={"n": 9},
    )


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
    # Ordered by wetness; each with what was measured there. No wet data (Aalanden): not listed.
    assert items(html, "spots-wettest") == [
        "Werkeren: wet feet 12 hours; soil moisture 38 %",
        "Stadshagen-Oost: soil moisture 41 %",
        "Westenholte: wet feet 4 hours",
    ]
    year = shown_season().start.year
    assert (
        f"Means per neighbourhood, warm season {year} (1 May \N{EN DASH} 30 September {year})"
        in html
    )


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

    green = sensor_spots_summary(period=shown_season()).green

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


def test_the_section_says_when_its_figures_were_computed(client, spots):
    computed = timezone.now() - timedelta(hours=3)
    Evidence.objects.update(computed_at=computed)

    html = section(client)

    with translation.override("en"):
        when = formats.date_format(timezone.localtime(computed), "SHORT_DATETIME_FORMAT")
    assert f"Figures brought up to date: {when}<" in html
    assert "not been computed yet" not in html


def test_last_summer_is_shown_on_a_winter_day_even_with_fresh_readings(client, spots):
    """A live window with a few fresh figures never replaces last summer by default."""
    recent = EvidencePeriod.objects.create(
        key="last-30-days",
        kind="recent",
        start=timezone.localdate() - timedelta(days=29),
        end=timezone.localdate(),
        coverage={"sensors": {"days": 2}},
    )
    werkeren = Area.objects.get(name="Werkeren")
    evidence(werkeren, "night_anomaly", 3.0, recent, n=6)

    html = section(client)

    assert items(html, "spots-hottest")[0] == "Aalanden: +0.8 °C"
    assert "warm season" in html


def test_another_period_can_be_chosen_and_the_page_names_it(client, spots):
    wave = EvidencePeriod.objects.create(
        key="heat-wave-2026-07-18", kind="heat_wave", start=date(2026, 7, 18), end=date(2026, 7, 26)
    )
    werkeren = Area.objects.get(name="Werkeren")
    evidence(werkeren, "night_anomaly", 2.2, wave, n=6)

    page = client.get(MAP_URL, {"period": wave.key}, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "heat wave of 18 \N{EN DASH} 26 July 2026" in page
    assert re.search(r'<option value="heat-wave-2026-07-18"[^>]*selected', page)
    assert 'data-period="heat-wave-2026-07-18"' in page


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("", "Name a period"),
        ("2026-09-30..2026-06-01", "ends before it starts"),
        ("summer-of-love", "Unknown period"),
    ],
)
def test_a_bad_period_on_the_map_is_a_400_naming_it(client, spots, value, words):
    response = client.get(MAP_URL, {"period": value}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    text = response.content.decode()
    assert "<strong>period</strong>" in text and words in text


def test_the_dutch_page_explains_in_dutch(client, spots):
    html = " ".join(section(client, "nl").split())

    assert "Hete en natte plekken" in html
    assert "Warmste nachten" in html
    assert "Werkeren: natte voeten 12 uur; bodemvocht 38 %" in html
    assert "Gemiddelden per buurt, warm seizoen" in html
    assert (
        "In Zwolle zijn de nachten 1,16 °C koeler per 100 % meer groen binnen 100 m "
        "(± 0,09 °C, 62 sensoren)." in html
    )
    assert "Cijfers bijgewerkt:" in html


def test_the_summary_costs_two_queries_however_many_neighbourhoods(
    spots, django_assert_num_queries
):
    period = shown_season()
    with django_assert_num_queries(1):
        summary = sensor_spots_summary(period=period)

    assert len(summary.hottest) == 3

"""A resident files a concern by clicking the map in a real browser, then finds it in their list."""

import re
from datetime import date, timedelta

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.gis.geos import Point
from django.utils import timezone
from playwright.sync_api import expect

from civic.models import Area, Concern
from sensors.evidence import evidence_recompute
from sensors.models import SensorDay
from sensors.services import sensor_register
from tests.factories import (
    CENTRE,
    PASSWORD,
    AreaFactory,
    ResidentFactory,
    ThemeFactory,
    square,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAP_SCRIPTS = {"/static/leaflet/leaflet.js", "/static/civic/js/maps.js"}
# site.css gives maps 22rem-28rem (352-448 px); a collapsed map cannot be clicked.
MIN_MAP_HEIGHT = 300


def loaded_scripts(page) -> set[str]:
    return set(
        page.evaluate(
            "() => performance.getEntriesByType('resource')"
            ".filter(e => e.initiatorType === 'script').map(e => new URL(e.name).pathname)"
        )
    )


def axe_by_impact(page) -> dict[str, list[str]]:
    """Axe violations grouped by impact, each as 'rule-id (n nodes)'."""
    found: dict[str, list[str]] = {}
    for violation in Axe().run(page).response["violations"]:
        found.setdefault(violation["impact"], []).append(
            f"{violation['id']} ({len(violation['nodes'])} nodes)"
        )
    return found


def test_resident_files_a_concern_on_the_map_and_sees_it_in_my_concerns(page):
    town = AreaFactory(
        kind=Area.Kind.MUNICIPALITY, code="GM0193", name="Zwolle", geometry=square(*CENTRE, 0.05)
    )
    AreaFactory(code="BU01930001", name="Werkeren", parent=town, geometry=square(*CENTRE, 0.01))
    ThemeFactory(slug="flooding", name_nl="Wateroverlast", name_en="Flooding")
    ThemeFactory(slug="heat", name_nl="Hitte", name_en="Heat")
    resident = ResidentFactory(username="resident-e2e")
    description = "No shade at the bus stop; people wait in the full sun."

    # Log in through the real allauth page, with the e-mail address.
    page.goto("/accounts/login/")
    page.locator("#id_login").fill(resident.email)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/concerns/mine/$"))

    # The file-a-concern page loads Leaflet and our scripts and draws the neighbourhood.
    page.goto("/concerns/new/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    the_map = page.locator("#concern-new-map")
    expect(the_map.locator(".leaflet-overlay-pane path.leaflet-interactive")).to_have_count(1)
    page.wait_for_load_state("networkidle")
    assert MAP_SCRIPTS | {"/static/civic/js/concern_form.js"} <= loaded_scripts(page)
    assert the_map.bounding_box()["height"] >= MIN_MAP_HEIGHT, "the map is collapsed"
    concern_page_axe = axe_by_impact(page)

    # A click in the middle of the map places the marker and fills the coordinates.
    the_map.click()
    expect(the_map.locator(".leaflet-marker-icon")).to_have_count(1)
    latitude = float(page.locator("#id_latitude").input_value())
    longitude = float(page.locator("#id_longitude").input_value())
    assert abs(latitude - CENTRE[1]) < 0.01
    assert abs(longitude - CENTRE[0]) < 0.01

    page.get_by_label("Heat").check()
    page.get_by_label("What is the problem?").fill(description)
    page.get_by_role("button", name="Send concern").click()

    # Back on "my concerns": thanked, and the concern is listed as submitted.
    expect(page).to_have_url(re.compile(r"/concerns/mine/$"))
    concern = Concern.objects.get()
    expect(page.locator(".messages")).to_contain_text(f"Your concern #{concern.pk} was received")
    card = page.locator(f"#concern-{concern.pk}")
    expect(card).to_contain_text(description)
    expect(card.locator(".status")).to_have_text("submitted")
    expect(card).to_contain_text("Heat")
    expect(card).to_contain_text("Werkeren")
    assert concern.author == resident
    assert abs(concern.location.y - latitude) < 1e-5
    assert abs(concern.location.x - longitude) < 1e-5

    # A garden sensor with a fortnight of figures, for the sensor squares.
    sensor, _token = sensor_register(
        actor=resident,
        external_id="garden-e2e",
        hardware="native",
        quantities=["air_temperature", "soil_moisture", "wet_feet"],
        location=Point(CENTRE[0] + 0.001, CENTRE[1] + 0.001, srid=4326),
    )
    SensorDay.objects.bulk_create(
        SensorDay(
            sensor=sensor,
            day=date(2026, 8, 31) - timedelta(days=n),
            night_anomaly=0.75,
            soil_mean=30.0,
            wet_feet_hours=1 if n < 7 else 0,
            computed_at=timezone.now(),
        )
        for n in range(14)
    )
    # Their warm season now has figures, so the map shows it by default.
    evidence_recompute(everything=True)

    # The public map loads its scripts; it promises "only published concerns are shown",
    # so the resident's own submitted concern is not among them.
    page.goto("/")
    public_map = page.locator("#concern-map")
    expect(public_map.locator(".leaflet-overlay-pane path.leaflet-interactive")).not_to_have_count(
        0
    )
    page.wait_for_load_state("networkidle")
    assert MAP_SCRIPTS | {"/static/civic/js/public_map.js"} <= loaded_scripts(page)
    assert public_map.bounding_box()["height"] >= MIN_MAP_HEIGHT, "the map is collapsed"
    map_page_axe = axe_by_impact(page)
    expect(page.locator("#concern-count")).to_have_text("Concerns shown: 0")

    # The sensor square is coloured by night warmth (+0.75 °C: half-way to red); switching
    # to wetness (7 hours with wet feet) recolours it and swaps the legend.
    sensor_square = public_map.locator(".leaflet-sensors-pane path.leaflet-interactive")
    expect(sensor_square).to_have_attribute("fill", "rgb(255,128,128)")
    expect(page.locator("#sensor-legend-heat")).to_be_visible()
    expect(page.locator("#sensor-legend-wet")).to_be_hidden()
    public_map.locator(".leaflet-control-layers").hover()
    page.get_by_label("Sensor squares: wetness").check()
    expect(sensor_square).to_have_attribute("fill", "rgb(172,196,226)")
    expect(page.locator("#sensor-legend-wet")).to_be_visible()
    expect(page.locator("#sensor-legend-wet")).to_contain_text("does not measure wet feet")
    expect(page.locator("#sensor-legend-heat")).to_be_hidden()

    print(f"\naxe on /concerns/new/: {concern_page_axe}\naxe on /: {map_page_axe}")
    for found in (concern_page_axe, map_page_axe):
        assert found.get("critical", []) == []
        assert found.get("serious", []) == []
    assert page.js_errors == []
    assert page.failed_responses == []

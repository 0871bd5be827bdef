"""Registering sensors, their public 100 m cell location and their device tokens."""

import hashlib
import math

import pytest
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from psycopg import sql

from sensors import services
from sensors.models import DeviceToken, Sensor
from tests.factories import CENTRE
from tests.sensors.conftest import point_in_cell_of, register, to_rd

# RD New -> WGS84 -> RD New does not return exactly (datum shift): well under a millimetre.
ROUND_TRIP_M = 1e-3


def assert_nothing_written():
    assert not Sensor.objects.exists()
    assert not DeviceToken.objects.exists()


# --- who registers what -------------------------------------------------------------------


def test_a_resident_registers_their_own_sensor(resident, municipality, neighbourhood):
    sensor, raw = register(resident, "garden-42", name="Achtertuin", height_m=1.5)

    sensor.refresh_from_db()
    assert sensor.owner == resident
    assert sensor.external_id == "garden-42"
    assert sensor.status == Sensor.Status.ACTIVE
    assert sensor.area == neighbourhood
    assert services.sensor_authenticate(raw_token=raw) == sensor


def test_a_resident_cannot_register_a_sensor_in_someone_elses_name(
    resident, other_resident, municipality
):
    sensor, _raw = register(resident, "garden-42", owner=other_resident)

    sensor.refresh_from_db()
    assert sensor.owner == resident
    assert not other_resident.sensors.exists()


def test_an_officer_registers_a_municipal_station_without_owner(officer, municipality):
    sensor, raw = register(
        officer, "lamp-post-7", hardware="station", quantities=["air_temperature", "precipitation"]
    )

    sensor.refresh_from_db()
    assert sensor.owner is None
    assert sensor.hardware == Sensor.Hardware.STATION
    assert services.sensor_authenticate(raw_token=raw) == sensor


def test_an_officer_may_register_a_sensor_for_a_resident(officer, resident, municipality):
    sensor, _raw = register(officer, "garden-for-a", owner=resident)

    sensor.refresh_from_db()
    assert sensor.owner == resident


def test_a_council_member_cannot_register_a_sensor(council, municipality):
    with pytest.raises(PermissionDenied):
        register(council, "council-sensor")

    assert_nothing_written()


# --- bad input names the field and writes nothing ----------------------------------------

OUTSIDE = Point(CENTRE[0] + 0.2, CENTRE[1] + 0.2, srid=4326)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"external_id": ""}, "external_id"),
        ({"external_id": "   "}, "external_id"),
        ({"hardware": "arduino-clone"}, "hardware"),
        ({"quantities": []}, "quantities"),
        ({"quantities": ["air_temperature", "uv_index"]}, "quantities"),
        ({"location": OUTSIDE}, "location"),
        ({"height_m": -0.5}, "height_m"),
        ({"height_m": 31.0}, "height_m"),
    ],
    ids=[
        "empty-id",
        "blank-id",
        "unknown-hardware",
        "no-quantities",
        "unknown-quantity",
        "outside-municipality",
        "below-ground",
        "too-high",
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(resident, municipality, changes, field):
    arguments = {"external_id": "garden-42", **changes}

    with pytest.raises(ValidationError) as caught:
        register(resident, **arguments)

    assert field in caught.value.message_dict
    assert_nothing_written()


def test_a_duplicate_device_id_is_refused_and_adds_no_token(resident, other_resident, municipality):
    register(resident, "garden-42")

    with pytest.raises(ValidationError) as caught:
        register(other_resident, "garden-42")

    assert "external_id" in caught.value.message_dict
    assert Sensor.objects.count() == 1
    assert DeviceToken.objects.count() == 1
    assert not other_resident.sensors.exists()


def test_several_bad_fields_are_all_named(resident, municipality):
    with pytest.raises(ValidationError) as caught:
        register(resident, "", hardware="?", quantities=[], location=OUTSIDE, height_m=99)

    assert set(caught.value.message_dict) >= {
        "external_id",
        "hardware",
        "quantities",
        "location",
        "height_m",
    }
    assert_nothing_written()


# --- the public location ------------------------------------------------------------------


def test_public_location_is_the_centre_of_the_100_m_rd_cell(garden_sensor):
    sensor, _raw = garden_sensor
    sensor.refresh_from_db()
    exact, public = to_rd(sensor.location), to_rd(sensor.public_location)

    assert public.x % 100 == pytest.approx(50, abs=ROUND_TRIP_M)
    assert public.y % 100 == pytest.approx(50, abs=ROUND_TRIP_M)
    # The cell that holds the exact location, not a neighbouring one.
    assert math.floor(public.x / 100) == math.floor(exact.x / 100)
    assert math.floor(public.y / 100) == math.floor(exact.y / 100)


@pytest.mark.parametrize(("dx", "dy"), [(0.5, 0.5), (99.5, 99.5), (3, 97), (50, 50)])
def test_public_location_lies_within_71_m_of_the_garden(resident, municipality, dx, dy):
    location = point_in_cell_of(Point(*CENTRE, srid=4326), dx, dy)

    sensor, _raw = register(resident, "garden-42", location=location)

    sensor.refresh_from_db()
    exact, public = to_rd(sensor.location), to_rd(sensor.public_location)
    assert exact.distance(public) <= 50 * math.sqrt(2) + 1e-3
    assert public.x % 100 == pytest.approx(50, abs=ROUND_TRIP_M)
    assert public.y % 100 == pytest.approx(50, abs=ROUND_TRIP_M)


def test_a_garden_near_a_corner_is_not_shown_at_its_exact_spot(resident, municipality):
    location = point_in_cell_of(Point(*CENTRE, srid=4326), 5, 95)

    sensor, _raw = register(resident, "garden-42", location=location)

    sensor.refresh_from_db()
    assert to_rd(sensor.location).distance(to_rd(sensor.public_location)) > 60


def test_two_sensors_in_one_cell_share_their_public_location(
    resident, other_resident, municipality
):
    anchor = Point(*CENTRE, srid=4326)
    first, _ = register(resident, "garden-a", location=point_in_cell_of(anchor, 10, 20))
    second, _ = register(other_resident, "garden-b", location=point_in_cell_of(anchor, 90, 75))

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.location != second.location
    assert first.public_location.coords == second.public_location.coords


def test_sensors_in_neighbouring_cells_get_different_public_locations(
    resident, other_resident, municipality
):
    anchor = Point(*CENTRE, srid=4326)
    first, _ = register(resident, "garden-a", location=point_in_cell_of(anchor, 99, 50))
    second, _ = register(other_resident, "garden-b", location=point_in_cell_of(anchor, 101, 50))

    first.refresh_from_db()
    second.refresh_from_db()
    assert to_rd(first.public_location).distance(to_rd(second.public_location)) == pytest.approx(
        100, abs=1e-3
    )


def test_public_location_does_not_change_between_requests(garden_sensor):
    sensor, _raw = garden_sensor
    stored = Sensor.objects.get(pk=sensor.pk).public_location.coords

    answers = {Sensor.objects.get(pk=sensor.pk).public_location.coords for _ in range(5)}
    recomputed = {services.public_location_for(sensor.location).coords for _ in range(5)}

    assert answers == {stored}
    assert recomputed == {stored}


# --- device tokens ------------------------------------------------------------------------


def test_the_raw_token_is_stored_only_as_its_sha256(garden_sensor):
    sensor, raw = garden_sensor

    token = DeviceToken.objects.get(sensor=sensor)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert token.key_hash != raw
    assert raw.startswith(token.hint) and len(token.hint) < len(raw) // 4


def test_no_column_of_the_sensor_tables_holds_the_raw_token(garden_sensor):
    _sensor, raw = garden_sensor
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_name LIKE 'sensors_%%'"
        )
        tables = [row[0] for row in cursor.fetchall()]
        assert "sensors_devicetoken" in tables
        for table in tables:
            query = sql.SQL("SELECT count(*) FROM {} AS t WHERE row_to_json(t)::text LIKE %s")
            cursor.execute(query.format(sql.Identifier(table)), [f"%{raw}%"])
            assert cursor.fetchone()[0] == 0, table


def test_a_valid_token_authenticates_its_sensor(garden_sensor):
    sensor, raw = garden_sensor

    assert services.sensor_authenticate(raw_token=raw) == sensor
    assert services.sensor_authenticate(raw_token=raw, external_id="garden-001") == sensor


@pytest.mark.parametrize("wrong", ["", "not-the-token", "x" * 43])
def test_a_wrong_token_is_refused(garden_sensor, wrong):
    assert services.sensor_authenticate(raw_token=wrong) is None


def test_a_token_truncated_to_its_hint_is_refused(garden_sensor):
    _sensor, raw = garden_sensor

    assert services.sensor_authenticate(raw_token=raw[:6]) is None
    assert services.sensor_authenticate(raw_token=raw[:-1]) is None


def test_a_token_is_refused_for_another_device_id(garden_sensor):
    _sensor, raw = garden_sensor

    assert services.sensor_authenticate(raw_token=raw, external_id="garden-002") is None


def test_a_revoked_token_is_refused(garden_sensor, resident):
    sensor, raw = garden_sensor

    revoked = services.device_tokens_revoke(sensor=sensor, actor=resident)

    assert revoked == 1
    assert services.sensor_authenticate(raw_token=raw) is None


def test_a_retired_sensor_cannot_authenticate(garden_sensor):
    sensor, raw = garden_sensor
    Sensor.objects.filter(pk=sensor.pk).update(status=Sensor.Status.RETIRED)

    assert services.sensor_authenticate(raw_token=raw) is None


def test_a_silent_sensor_still_authenticates(garden_sensor):
    sensor, raw = garden_sensor
    Sensor.objects.filter(pk=sensor.pk).update(status=Sensor.Status.SILENT)

    assert services.sensor_authenticate(raw_token=raw) == sensor


def test_another_resident_cannot_issue_or_revoke_tokens(garden_sensor, other_resident, council):
    sensor, raw = garden_sensor

    for actor in (other_resident, council):
        with pytest.raises(PermissionDenied):
            services.device_token_issue(sensor=sensor, actor=actor)
        with pytest.raises(PermissionDenied):
            services.device_tokens_revoke(sensor=sensor, actor=actor)

    assert DeviceToken.objects.filter(sensor=sensor).count() == 1
    assert services.sensor_authenticate(raw_token=raw) == sensor


def test_an_officer_manages_a_residents_tokens(garden_sensor, officer):
    sensor, raw = garden_sensor

    new = services.device_token_issue(sensor=sensor, actor=officer)
    services.device_tokens_revoke(sensor=sensor, actor=officer)

    assert services.sensor_authenticate(raw_token=raw) is None
    assert services.sensor_authenticate(raw_token=new) is None


def test_a_second_token_works_alongside_the_first_until_revoked(garden_sensor, resident):
    sensor, first = garden_sensor

    second = services.device_token_issue(sensor=sensor, actor=resident)

    assert second != first
    assert services.sensor_authenticate(raw_token=first) == sensor
    assert services.sensor_authenticate(raw_token=second) == sensor

    assert services.device_tokens_revoke(sensor=sensor, actor=resident) == 2

    assert services.sensor_authenticate(raw_token=first) is None
    assert services.sensor_authenticate(raw_token=second) is None
    # A token issued after the revocation works again.
    third = services.device_token_issue(sensor=sensor, actor=resident)
    assert services.sensor_authenticate(raw_token=third) == sensor


def test_one_sensors_token_does_not_authenticate_another(garden_sensor, other_resident):
    sensor, raw = garden_sensor
    other, other_raw = register(other_resident, "garden-b")

    assert services.sensor_authenticate(raw_token=raw) == sensor
    assert services.sensor_authenticate(raw_token=other_raw) == other


# --- kinds --------------------------------------------------------------------------------


def test_a_residents_sensor_is_a_garden_and_a_station_without_owner_is_other(
    resident, officer, municipality
):
    garden, _ = register(resident, "garden-42")
    station, _ = register(officer, "station-1", hardware="station")

    assert (garden.kind, station.kind) == ("garden", "other")


@pytest.mark.parametrize(
    ("actor", "changes", "field"),
    [
        # An officer's garden sensor needs the resident who hosts it.
        ("officer", {"kind": "garden"}, "owner"),
        # A resident's own sensor has them as owner: never a lamp post.
        ("resident", {"kind": "lamp_post"}, "owner"),
        ("officer", {"kind": "greenhouse"}, "kind"),
        ("officer", {"exposure": "moonlight"}, "exposure"),
        ("officer", {"surface": "lava"}, "surface"),
    ],
)
def test_a_kind_owner_or_place_that_does_not_fit_is_refused(
    request, municipality, actor, changes, field
):
    with pytest.raises(ValidationError) as caught:
        register(request.getfixturevalue(actor), "sensor-1", **changes)

    assert field in caught.value.message_dict
    assert_nothing_written()


def test_an_officer_registers_a_lamp_post_and_a_school_sensor_with_a_teacher(
    officer, resident, municipality
):
    lamp, _ = register(officer, "lamp-1", kind="lamp_post", hardware="station")
    school, _ = register(officer, "school-1", kind="school", owner=resident)

    assert (lamp.kind, lamp.owner) == ("lamp_post", None)
    assert (school.kind, school.owner) == ("school", resident)

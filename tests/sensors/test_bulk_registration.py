"""Officers register many sensors from a CSV or GeoJSON file: all of them or none.

The service, the officers' page, the API and the management command. The
device tokens come back as a file that can be downloaded once.
"""

import csv
import io
import json
import math

import pytest
from django.contrib.gis.geos import Point
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation
from psycopg import sql
from rest_framework.test import APIClient

from sensors import bulk_registration
from sensors.bulk_registration import (
    RegistrationRejected,
    TokensGone,
    registration_tokens_take,
    sensors_register_file,
)
from sensors.models import DeviceToken, Sensor, SensorRegistration
from sensors.services import public_location_for, sensor_authenticate
from tests.factories import CENTRE, ResidentFactory
from tests.sensors.conftest import to_rd

HEADER = "device_id,kind,owner_email,quantities,latitude,longitude,name,height_m,exposure,surface"
LAT, LON = CENTRE[1], CENTRE[0]


def row(device_id, kind="garden", owner="resident-a@example.test", **fields) -> str:
    values = {
        "quantities": "air_temperature relative_humidity",
        "latitude": f"{LAT + 0.001:.6f}",
        "longitude": f"{LON + 0.002:.6f}",
        "name": "",
        "height_m": "1.5",
        "exposure": "sun",
        "surface": "grass",
        **fields,
    }
    cells = [device_id, kind, owner, *(values[k] for k in HEADER.split(",")[3:])]
    return ",".join(cells)


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return "\n".join([header, *rows, ""]).encode()


def feature(device_id, kind="garden", owner="resident-a@example.test", lon=None, lat=None, **props):
    return {
        "type": "Feature",
        "geometry": {
            "type": "Point",
            "coordinates": [
                LON + 0.002 if lon is None else lon,
                LAT + 0.001 if lat is None else lat,
            ],
        },
        "properties": {
            "device_id": device_id,
            "kind": kind,
            "owner_email": owner,
            "quantities": ["air_temperature", "soil_moisture"],
            **props,
        },
    }


def geojson_file(*features) -> bytes:
    return json.dumps({"type": "FeatureCollection", "features": list(features)}).encode()


def register(officer, content: bytes, name="sensors.csv", **kwargs):
    return sensors_register_file(actor=officer, content=content, file_name=name, **kwargs)


def refused(officer, content: bytes) -> RegistrationRejected:
    with pytest.raises(RegistrationRejected) as caught, translation.override("en"):
        register(officer, content)
    return caught.value


def named(rejected: RegistrationRejected) -> list[tuple[int, str]]:
    return [(problem.where, problem.field) for problem in rejected.rows]


def tokens_of(tokens_csv: bytes) -> dict[str, str]:
    rows = list(csv.reader(io.StringIO(tokens_csv.decode())))
    assert rows[0] == ["device_id", "token"]
    return dict(rows[1:])


def assert_nothing_written():
    assert not Sensor.objects.exists()
    assert not DeviceToken.objects.exists()
    assert not SensorRegistration.objects.exists()


@pytest.fixture
def en():
    with translation.override("en"):
        yield


@pytest.fixture
def host(resident):
    """The resident who hosts the garden sensors (resident-a@example.test)."""
    return resident


# --- the service: registering -------------------------------------------------------------


def test_a_csv_file_registers_every_sensor_with_its_kind_owner_and_public_cell(
    officer, host, neighbourhood
):
    content = csv_file(
        row("garden-1"),
        row("lamp-1", kind="lamp_post", owner="", height_m="4", latitude=f"{LAT - 0.002:.6f}"),
        row("school-1", kind="school", owner="", surface="paving", exposure="partial"),
    )

    registration, tokens_csv = register(officer, content, hold_tokens=False)

    sensors = {sensor.external_id: sensor for sensor in Sensor.objects.all()}
    assert set(sensors) == {"garden-1", "lamp-1", "school-1"}
    garden, lamp, school = sensors["garden-1"], sensors["lamp-1"], sensors["school-1"]
    assert (garden.kind, garden.owner, garden.hardware) == ("garden", host, "native")
    # A lamp post is the municipality's own weather station unless the file says otherwise.
    assert (lamp.kind, lamp.owner, lamp.hardware, lamp.height_m) == (
        "lamp_post",
        None,
        "station",
        4,
    )
    assert (school.kind, school.surface, school.exposure) == ("school", "paving", "partial")
    assert garden.quantities == ["air_temperature", "relative_humidity"]
    for sensor in sensors.values():
        # The exact location stays; everyone else sees its 100 m cell, computed once.
        assert sensor.public_location.coords == pytest.approx(
            public_location_for(sensor.location).coords, abs=1e-9
        )
        assert to_rd(sensor.location).distance(to_rd(sensor.public_location)) <= 50 * math.sqrt(2)
        assert sensor.area == neighbourhood
        assert sensor.registration == registration
    assert garden.location.coords == pytest.approx((LON + 0.002, LAT + 0.001), abs=1e-9)
    assert (registration.created_by, registration.sensor_count) == (officer, 3)
    # Each device's token from the file authenticates that device and no other.
    tokens = tokens_of(tokens_csv)
    assert set(tokens) == set(sensors)
    for device_id, token in tokens.items():
        assert sensor_authenticate(raw_token=token) == sensors[device_id]


def test_a_geojson_file_registers_its_point_features(officer, host, neighbourhood):
    content = geojson_file(
        feature("garden-1", name="Achtertuin", height_m=1.2),
        feature("lamp-1", kind="Lamp post", owner=None, lon=LON - 0.003, lat=LAT + 0.002),
    )

    _registration, tokens_csv = register(
        officer, content, name="sensors.geojson", hold_tokens=False
    )

    garden = Sensor.objects.get(external_id="garden-1")
    lamp = Sensor.objects.get(external_id="lamp-1")
    assert (garden.kind, garden.owner, garden.name, garden.height_m) == (
        "garden",
        host,
        "Achtertuin",
        1.2,
    )
    assert garden.quantities == ["air_temperature", "soil_moisture"]
    assert lamp.kind == "lamp_post" and lamp.owner is None
    assert lamp.location.coords == pytest.approx((LON - 0.003, LAT + 0.002), abs=1e-9)
    assert lamp.public_location != lamp.location
    assert set(tokens_of(tokens_csv)) == {"garden-1", "lamp-1"}


def test_dutch_excel_csv_with_semicolons_decimal_commas_and_dutch_kinds(
    officer, host, neighbourhood
):
    content = "\ufeff" + "\r\n".join(
        [
            "device_id;kind;owner_email;quantities;lat;lon",
            "tuin-1;Tuin;RESIDENT-A@example.test;air_temperature, wet_feet;52,529;6,062",
            "paal-1;lantaarnpaal;;air_temperature;52,527;6,058",
            ";;;;;",
            "",
        ]
    )

    register(officer, content.encode(), hold_tokens=False)

    tuin = Sensor.objects.get(external_id="tuin-1")
    assert (tuin.kind, tuin.owner) == ("garden", host)
    assert tuin.quantities == ["air_temperature", "wet_feet"]
    assert tuin.location.coords == pytest.approx((6.062, 52.529), abs=1e-9)
    assert Sensor.objects.get(external_id="paal-1").kind == "lamp_post"


def test_a_thousand_sensors_register_with_a_handful_of_queries(
    officer, host, neighbourhood, django_assert_max_num_queries
):
    rows = [
        row(f"garden-{n:04d}", latitude=f"{LAT - 0.009 + n * 0.000018:.6f}") for n in range(1000)
    ]

    with django_assert_max_num_queries(20):
        registration, tokens_csv = register(officer, csv_file(*rows), hold_tokens=False)

    assert Sensor.objects.count() == registration.sensor_count == 1000
    assert DeviceToken.objects.count() == 1000
    assert len(tokens_of(tokens_csv)) == 1000


# --- the service: refusing ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "field", "reason"),
    [
        (row("", kind="garden"), "device_id", "Give the device id"),
        (row("x" * 101), "device_id", "at most 100"),
        (row("g-9", kind="greenhouse"), "kind", "Unknown kind “greenhouse”"),
        (row("g-9", kind=""), "kind", "Give the kind"),
        (row("g-9", owner=""), "owner_email", "needs its host"),
        (row("g-9", owner="nobody@example.test"), "owner_email", "No active account"),
        (row("g-9", kind="lamp_post"), "owner_email", "leave the owner empty"),
        (row("g-9", quantities="air_temperature uv_index"), "quantities", "Choose from"),
        (row("g-9", quantities=""), "quantities", "Choose from"),
        (row("g-9", latitude="north"), "latitude", "Give a number"),
        (row("g-9", longitude=""), "longitude", "Give the longitude"),
        (row("g-9", latitude="95"), "latitude", "between -90 and 90"),
        (row("g-9", latitude="52.9"), "latitude", "outside the municipality"),
        (row("g-9", height_m="31"), "height_m", "between 0 and 30"),
        (row("g-9", height_m="high"), "height_m", "Give a number of metres"),
        (row("g-9", exposure="moonlight"), "exposure", "sun, partial, shade"),
        (row("g-9", surface="lava"), "surface", "paving, grass"),
    ],
)
def test_one_bad_row_registers_nothing_and_names_its_line_and_field(
    officer, host, municipality, bad_row, field, reason, en
):
    rejected = refused(officer, csv_file(row("garden-1"), bad_row, row("garden-3")))

    assert named(rejected) == [(3, field)]
    assert reason in rejected.rows[0].message
    assert str(rejected.rows[0]).startswith(f"line 3, {field}: ")
    assert_nothing_written()


def test_every_bad_row_and_field_is_named_in_file_order(officer, host, municipality):
    content = csv_file(
        row("garden-1", owner="", surface="lava"),
        row("garden-2"),
        row("garden-3", kind="barn", latitude="north"),
    )

    rejected = refused(officer, content)

    assert named(rejected) == [
        (2, "owner_email"),
        (2, "surface"),
        (4, "kind"),
        (4, "latitude"),
    ]
    assert rejected.count == 4
    assert_nothing_written()


def test_swapped_latitude_and_longitude_are_pointed_out(officer, host, municipality):
    rejected = refused(officer, csv_file(row("garden-1", latitude=f"{LON}", longitude=f"{LAT}")))

    assert named(rejected) == [(2, "latitude")]
    assert "Are latitude and longitude swapped?" in rejected.rows[0].message


def test_a_device_id_twice_in_the_file_is_a_bad_row(officer, host, municipality):
    rejected = refused(officer, csv_file(row("garden-1"), row("garden-2"), row("garden-1")))

    assert named(rejected) == [(4, "device_id")]
    assert "also on line 2" in rejected.rows[0].message
    assert_nothing_written()


def test_a_device_id_already_registered_is_a_bad_row(officer, host, garden_sensor):
    rejected = refused(officer, csv_file(row("garden-new"), row("garden-001")))

    assert named(rejected) == [(3, "device_id")]
    assert "already registered" in rejected.rows[0].message
    assert Sensor.objects.count() == 1
    assert DeviceToken.objects.count() == 1
    assert not SensorRegistration.objects.exists()


def test_a_bad_geojson_feature_is_named_by_its_number_and_property(officer, host, municipality):
    no_point = feature("garden-2")
    no_point["geometry"] = {"type": "LineString", "coordinates": [[LON, LAT], [LON, LAT + 0.001]]}

    rejected = refused(
        officer,
        geojson_file(
            feature("garden-0"), feature("garden-1", owner="nobody@example.test"), no_point
        ),
    )

    assert named(rejected) == [(1, "owner_email"), (2, "geometry")]
    assert str(rejected.rows[0]).startswith("feature 1, owner_email: ")
    assert rejected.as_api() == {
        "features": {
            "1": {"owner_email": [rejected.rows[0].message]},
            "2": {"geometry": [rejected.rows[1].message]},
        }
    }
    assert_nothing_written()


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"", "The first line must be the header"),
        (csv_file(header="device_id,kind,quantities,latitude"), "The header lacks longitude"),
        (csv_file(row("g-1"), header=HEADER + ",colour"), "unknown columns: colour"),
        (csv_file(), "holds no sensors"),
        (b'{"type": "Feature"}', "FeatureCollection"),
        (b"{not json", "cannot be read"),
        (b"device_id,kind\n\xb0C,garden\n", "Line 2 is not UTF-8"),
    ],
)
def test_a_file_that_cannot_be_read_is_refused_with_one_clear_reason(
    officer, municipality, content, reason
):
    rejected = refused(officer, content)

    assert len(rejected.file_problems) == 1
    assert reason in rejected.file_problems[0]
    assert_nothing_written()


def test_more_sensors_than_allowed_are_refused(officer, host, municipality, monkeypatch):
    monkeypatch.setattr(bulk_registration, "MAX_SENSORS", 2)

    rejected = refused(officer, csv_file(row("g-1"), row("g-2"), row("g-3")))

    assert "more than 2 sensors" in rejected.file_problems[0]
    assert_nothing_written()


@pytest.mark.parametrize("user", ["resident", "council"])
def test_only_officers_register_from_a_file(request, user, municipality):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        register(request.getfixturevalue(user), csv_file(row("garden-1")))

    assert_nothing_written()


# --- the one-time tokens file -----------------------------------------------------------------


def test_the_tokens_file_is_held_sealed_and_given_out_once(officer, host, municipality):
    registration, returned = register(officer, csv_file(row("garden-1"), row("garden-2")))

    assert returned is None
    first = registration_tokens_take(registration=registration)
    tokens = tokens_of(first)
    assert set(tokens) == {"garden-1", "garden-2"}
    assert sensor_authenticate(raw_token=tokens["garden-1"]).external_id == "garden-1"
    with pytest.raises(TokensGone):
        registration_tokens_take(registration=registration)
    registration.refresh_from_db()
    assert registration.tokens_downloaded_at is not None
    assert bytes(registration.tokens_sealed) == b""


def test_no_table_and_no_redis_key_alone_holds_a_usable_token(
    officer, host, municipality, django_capture_on_commit_callbacks
):
    registration, _none = register(officer, csv_file(row("garden-1"), row("garden-2")))
    pad = cache.get(bulk_registration._pad_key(registration.pk))
    with django_capture_on_commit_callbacks(execute=True):
        tokens = tokens_of(registration_tokens_take(registration=registration))
    # What was stored before the download: the sealed file in the database and
    # its pad in Redis; neither holds a token.
    registration.refresh_from_db()
    for raw in tokens.values():
        assert raw.encode() not in pad
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = 'public' AND table_name LIKE 'sensors_%%'"
        )
        for (table,) in cursor.fetchall():
            query = sql.SQL("SELECT count(*) FROM {} AS t WHERE row_to_json(t)::text LIKE %s")
            for raw in tokens.values():
                cursor.execute(query.format(sql.Identifier(table)), [f"%{raw}%"])
                assert cursor.fetchone()[0] == 0, table
    # After the download the pad is gone from Redis too.
    assert cache.get(bulk_registration._pad_key(registration.pk)) is None


def test_the_sealed_file_holds_no_token_before_the_download(officer, host, municipality):
    registration, _none = register(officer, csv_file(row("garden-1")))
    registration.refresh_from_db()
    sealed = bytes(registration.tokens_sealed)

    tokens = tokens_of(registration_tokens_take(registration=registration))

    assert sealed and tokens["garden-1"].encode() not in sealed
    assert b"garden-1" not in sealed


def test_the_tokens_file_expires_after_an_hour(officer, host, municipality, time_machine):
    time_machine.move_to(timezone.now())
    registration, _none = register(officer, csv_file(row("garden-1")))

    time_machine.shift(bulk_registration.TOKENS_TTL.total_seconds() + 1)

    with pytest.raises(TokensGone, match="expired"), translation.override("en"):
        registration_tokens_take(registration=registration)
    registration.refresh_from_db()
    assert bytes(registration.tokens_sealed) == b""


def test_without_redis_nothing_is_registered(officer, host, municipality, monkeypatch):
    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(cache, "set", broken)

    with pytest.raises(bulk_registration.TokensNotHeld):
        register(officer, csv_file(row("garden-1")))

    assert_nothing_written()


def test_a_resident_with_another_address_is_not_someone_elses_owner(officer, municipality):
    ResidentFactory(username="resident-b", email="b@example.test", is_active=False)

    rejected = refused(officer, csv_file(row("garden-1", owner="b@example.test")))

    assert named(rejected) == [(2, "owner_email")]


def test_a_garden_in_a_neighbouring_cell_gets_another_public_location(officer, host, municipality):
    anchor = Point(LON, LAT, srid=4326)
    rd = to_rd(anchor)
    from tests.sensors.conftest import from_rd

    west = from_rd((rd.x // 100) * 100 + 99, (rd.y // 100) * 100 + 50)
    east = from_rd((rd.x // 100) * 100 + 101, (rd.y // 100) * 100 + 50)
    content = csv_file(
        row("garden-w", latitude=f"{west.y:.9f}", longitude=f"{west.x:.9f}"),
        row("garden-e", latitude=f"{east.y:.9f}", longitude=f"{east.x:.9f}"),
    )

    register(officer, content, hold_tokens=False)

    w = Sensor.objects.get(external_id="garden-w")
    e = Sensor.objects.get(external_id="garden-e")
    assert to_rd(w.public_location).distance(to_rd(e.public_location)) == pytest.approx(
        100, abs=1e-3
    )


# --- the officers' page ------------------------------------------------------------------------

URL = "/sensors/register/"


def upload(client, content: bytes, name="sensors.csv"):
    return client.post(
        URL, {"file": SimpleUploadedFile(name, content, "text/csv")}, HTTP_ACCEPT_LANGUAGE="en"
    )


def download(client, registration):
    return client.post(f"{URL}{registration.pk}/tokens/", HTTP_ACCEPT_LANGUAGE="en")


def test_the_page_is_linked_for_officers_from_the_sensors_and_health_pages(client, officer):
    client.force_login(officer)

    for page in ("/sensors/", "/sensors/health/"):
        assert f'href="{URL}"' in client.get(page).content.decode()
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Register sensors from a file</h1>" in html
    assert 'enctype="multipart/form-data"' in html
    assert "<code>owner_email</code>" in html


def test_an_officer_registers_a_file_and_downloads_the_tokens_once(
    client, officer, host, neighbourhood
):
    client.force_login(officer)

    response = upload(client, csv_file(row("garden-1"), row("lamp-1", kind="lamp_post", owner="")))

    registration = SensorRegistration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}{registration.pk}/"
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 sensors were registered from sensors.csv" in page
    assert "Download the device tokens (once)" in page
    assert f'action="{URL}{registration.pk}/tokens/"' in page
    assert "<td>garden-1</td>" in page and "<td>Werkeren</td>" in page

    first = download(client, registration)
    assert first.status_code == 200
    assert first["Content-Type"] == "text/csv; charset=utf-8"
    assert first["Content-Disposition"].startswith("attachment;")
    assert first["Cache-Control"] == "no-store"
    tokens = tokens_of(first.content)
    assert sensor_authenticate(raw_token=tokens["lamp-1"]).external_id == "lamp-1"

    again = download(client, registration)
    assert again.status_code == 410
    assert "were downloaded at" in again.content.decode()
    assert "Download the device tokens" not in again.content.decode()


def test_the_tokens_authenticate_on_the_device_api(client, officer, host, municipality):
    client.force_login(officer)
    upload(client, csv_file(row("garden-1")))
    tokens = tokens_of(download(client, SensorRegistration.objects.get()).content)
    device = APIClient()
    device.credentials(HTTP_AUTHORIZATION=f"Device {tokens['garden-1']}")

    answer = device.post(
        "/api/v1/readings/",
        {
            "readings": [
                {
                    "quantity": "air_temperature",
                    "observed_at": "2026-07-01T12:00:00Z",
                    "value": 24.5,
                }
            ]
        },
        format="json",
    )

    assert answer.status_code == 201
    assert Sensor.objects.get(external_id="garden-1").readings.get().value == 24.5


def test_a_bad_file_shows_each_row_and_field_and_registers_nothing(
    client, officer, host, municipality
):
    client.force_login(officer)

    response = upload(
        client, csv_file(row("garden-1"), row("garden-2", owner=""), row("g-3", kind="barn"))
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "no sensor was registered" in html
    assert "2 problems found" in html
    assert "<tr><td>3</td><td>owner_email</td><td>A garden sensor needs its host" in html
    assert "<tr><td>4</td><td>kind</td><td>Unknown kind “barn”" in html
    assert_nothing_written()


def test_an_oversized_file_is_refused_naming_the_file(client, officer, municipality, monkeypatch):
    monkeypatch.setattr(bulk_registration, "MAX_FILE_BYTES", 100)
    from sensors import registration_views

    monkeypatch.setattr(registration_views, "MAX_FILE_BYTES", 100)
    client.force_login(officer)

    response = upload(client, csv_file(row("garden-1"), row("garden-2")))

    assert response.status_code == 400
    assert "upload at most 100" in response.content.decode()
    assert_nothing_written()


@pytest.mark.parametrize("user", ["resident", "council"])
def test_residents_and_council_members_are_forbidden(
    client, request, user, officer, host, municipality
):
    registration, _none = register(officer, csv_file(row("garden-1")))
    client.force_login(request.getfixturevalue(user))

    assert client.get(URL).status_code == 403
    assert upload(client, csv_file(row("garden-2"))).status_code == 403
    assert client.get(f"{URL}{registration.pk}/").status_code == 403
    assert download(client, registration).status_code == 403
    assert Sensor.objects.count() == 1
    registration.refresh_from_db()
    assert registration.tokens_downloaded_at is None


def test_another_officers_registration_is_not_found(client, officer, host, municipality):
    from tests.factories import OfficerFactory

    registration, _none = register(officer, csv_file(row("garden-1")))
    client.force_login(OfficerFactory(username="officer-2"))

    assert client.get(f"{URL}{registration.pk}/").status_code == 404
    assert download(client, registration).status_code == 404
    registration.refresh_from_db()
    assert registration.tokens_downloaded_at is None


def test_the_tokens_cannot_be_fetched_with_a_get(client, officer, host, municipality):
    registration, _none = register(officer, csv_file(row("garden-1")))
    client.force_login(officer)

    assert client.get(f"{URL}{registration.pk}/tokens/").status_code == 405
    registration.refresh_from_db()
    assert registration.tokens_downloaded_at is None


def test_an_anonymous_visitor_is_sent_to_log_in(client, municipality):
    response = upload(client, csv_file(row("garden-1")))

    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    assert_nothing_written()


# --- the API -----------------------------------------------------------------------------------

API = "/api/v1/sensor-registrations/"


def api_client(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def api_upload(client, content: bytes, name="sensors.geojson"):
    return client.post(
        API,
        {"file": SimpleUploadedFile(name, content)},
        format="multipart",
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_api_registers_a_geojson_file_and_gives_the_tokens_once(officer, host, municipality):
    client = api_client(officer)

    answer = api_upload(
        client, geojson_file(feature("garden-1"), feature("garden-2", lon=LON - 0.004))
    )

    assert answer.status_code == 201, answer.json()
    body = answer.json()
    assert body["sensor_count"] == 2
    assert sorted(body["sensors"]) == ["garden-1", "garden-2"]
    assert body["registered_by"] == "officer"
    assert body["tokens_downloaded_at"] is None
    assert body["tokens_url"] == f"{API}{body['id']}/tokens/"

    tokens = client.post(body["tokens_url"], HTTP_ACCEPT_LANGUAGE="en")
    assert tokens.status_code == 200
    assert tokens["Content-Type"] == "text/csv; charset=utf-8"
    assert set(tokens_of(tokens.content)) == {"garden-1", "garden-2"}
    gone = client.post(body["tokens_url"], HTTP_ACCEPT_LANGUAGE="en")
    assert gone.status_code == 410
    assert "downloaded" in gone.json()["detail"]


def test_the_api_names_each_bad_line_and_column(officer, host, municipality):
    answer = api_upload(
        api_client(officer),
        csv_file(row("garden-1", surface="lava"), row("garden-2", latitude="")),
        name="sensors.csv",
    )

    assert answer.status_code == 400
    lines = answer.json()["lines"]
    assert set(lines) == {"2", "3"}
    assert list(lines["2"]) == ["surface"]
    assert list(lines["3"]) == ["latitude"]
    assert_nothing_written()


def test_the_api_refuses_an_oversized_file_with_413(officer, municipality, monkeypatch):
    monkeypatch.setattr(bulk_registration, "MAX_FILE_BYTES", 100)

    answer = api_upload(api_client(officer), csv_file(row("garden-1"), row("garden-2")))

    assert answer.status_code == 413
    assert "send at most 100" in answer.json()["detail"]
    assert_nothing_written()


@pytest.mark.parametrize("user", ["resident", "council"])
def test_the_api_is_for_officers_only(request, user, officer, host, municipality):
    registration, _none = register(officer, csv_file(row("garden-1")))
    client = api_client(request.getfixturevalue(user))

    assert api_upload(client, csv_file(row("garden-2")), name="s.csv").status_code == 403
    assert client.post(f"{API}{registration.pk}/tokens/").status_code == 403
    assert Sensor.objects.count() == 1


def test_the_api_wants_a_file(officer, municipality):
    answer = api_client(officer).post(API, {"file": "garden-1,garden"}, format="json")

    assert answer.status_code == 415
    assert_nothing_written()


# --- the management command ---------------------------------------------------------------------


def test_the_command_writes_the_tokens_to_a_private_file(officer, host, municipality, tmp_path):
    source = tmp_path / "sensors.csv"
    source.write_bytes(csv_file(row("garden-1"), row("school-1", kind="school", owner="")))
    out = tmp_path / "tokens.csv"
    printed = io.StringIO()

    with translation.override("en"):
        call_command(
            "register_sensors",
            str(source),
            "--by",
            "OFFICER@example.test",
            "--tokens-out",
            str(out),
            stdout=printed,
        )

    assert "2 sensors registered" in printed.getvalue()
    assert out.stat().st_mode & 0o777 == 0o600
    tokens = tokens_of(out.read_bytes())
    assert sensor_authenticate(raw_token=tokens["school-1"]).kind == "school"
    assert SensorRegistration.objects.get().created_by == officer
    assert bytes(SensorRegistration.objects.get().tokens_sealed) == b""


def test_the_command_refuses_a_bad_file_and_writes_no_tokens_file(
    officer, host, municipality, tmp_path
):
    source = tmp_path / "sensors.csv"
    source.write_bytes(csv_file(row("garden-1"), row("garden-2", owner="")))
    out = tmp_path / "tokens.csv"

    with pytest.raises(CommandError) as caught, translation.override("en"):
        call_command(
            "register_sensors", str(source), "--by", officer.email, "--tokens-out", str(out)
        )

    assert "no sensor was registered" in str(caught.value)
    assert "line 3, owner_email: " in str(caught.value)
    assert not out.exists()
    assert_nothing_written()


def test_the_command_never_overwrites_a_file(officer, host, municipality, tmp_path):
    source = tmp_path / "sensors.csv"
    source.write_bytes(csv_file(row("garden-1")))
    out = tmp_path / "tokens.csv"
    out.write_text("keep me")

    with pytest.raises(CommandError):
        call_command(
            "register_sensors", str(source), "--by", officer.email, "--tokens-out", str(out)
        )

    assert out.read_text() == "keep me"
    assert_nothing_written()


def test_the_command_is_for_officers_only(host, municipality, tmp_path):
    source = tmp_path / "sensors.csv"
    source.write_bytes(csv_file(row("garden-1")))

    with pytest.raises(CommandError):
        call_command(
            "register_sensors",
            str(source),
            "--by",
            host.email,
            "--tokens-out",
            str(tmp_path / "t.csv"),
        )

    assert not (tmp_path / "t.csv").exists()
    assert_nothing_written()

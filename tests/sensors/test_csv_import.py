"""CSV import of readings: the service, the management command and the officers' page.

Policy as for the API: one bad row refuses the whole file, naming line (the
header is line 1) and column, and nothing is written; a replay stores nothing.
"""

import io
from datetime import UTC, date, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation

from sensors import csv_import, upload_views
from sensors.csv_import import CsvImportRejected, readings_import_csv
from sensors.models import DirtyDay, Reading
from tests.sensors.conftest import register

HEADER = "device_id,quantity,observed_at,value"
GOOD_ROWS = [
    "garden-001,air_temperature,2026-07-01T12:00:00Z,27.5",
    "garden-001,relative_humidity,2026-07-01T12:00:00Z,55",
    # 00:30 on 2 July in Amsterdam, still 1 July in UTC.
    "garden-001,air_temperature,2026-07-01T22:30:00Z,21.25",
]


def csv_bytes(*rows: str, header: str = HEADER, newline: str = "\n") -> bytes:
    return newline.join([header, *rows, ""]).encode()


def stored_rows():
    return sorted(
        Reading.objects.values_list("sensor__external_id", "quantity", "observed_at", "value")
    )


def assert_nothing_written():
    assert Reading.objects.count() == 0
    assert not DirtyDay.objects.exists()


def refused(content: bytes, **kwargs) -> CsvImportRejected:
    with pytest.raises(CsvImportRejected) as caught:
        readings_import_csv(file=io.BytesIO(content), **kwargs)
    return caught.value


def where(rejected: CsvImportRejected) -> list[tuple[int, str]]:
    return [(error.line, error.column) for error in rejected.row_errors]


@pytest.fixture
def en():
    with translation.override("en"):
        yield


# --- the service: storing ---------------------------------------------------------------


def test_a_valid_file_is_stored_counted_and_marks_its_days_dirty(garden_sensor):
    sensor, _raw = garden_sensor

    result = readings_import_csv(file=io.BytesIO(csv_bytes(*GOOD_ROWS)))

    assert (result.received, result.stored, result.duplicates) == (3, 3, 0)
    assert stored_rows() == [
        ("garden-001", "air_temperature", datetime(2026, 7, 1, 12, tzinfo=UTC), 27.5),
        ("garden-001", "air_temperature", datetime(2026, 7, 1, 22, 30, tzinfo=UTC), 21.25),
        ("garden-001", "relative_humidity", datetime(2026, 7, 1, 12, tzinfo=UTC), 55.0),
    ]
    days = set(DirtyDay.objects.filter(sensor=sensor).values_list("day", flat=True))
    assert days == {date(2026, 7, 1), date(2026, 7, 2)}


def test_a_replayed_file_stores_nothing_and_counts_duplicates(garden_sensor):
    readings_import_csv(file=io.BytesIO(csv_bytes(*GOOD_ROWS)))
    DirtyDay.objects.all().delete()  # as the recompute would

    replay = readings_import_csv(file=io.BytesIO(csv_bytes(*GOOD_ROWS)))

    assert (replay.received, replay.stored, replay.duplicates) == (3, 0, 3)
    assert Reading.objects.count() == 3
    assert not DirtyDay.objects.exists()


def test_rows_of_several_devices_go_to_their_own_sensors(garden_sensor, other_resident):
    register(other_resident, "garden-b")

    result = readings_import_csv(
        file=io.BytesIO(
            csv_bytes(
                "garden-001,air_temperature,2026-07-01T12:00:00Z,27.5",
                "garden-b,air_temperature,2026-07-01T12:00:00Z,26.0",
                "garden-001,air_temperature,2026-07-01T12:10:00Z,27.7",
            )
        )
    )

    assert result.stored == 3
    assert [row[0] for row in stored_rows()] == ["garden-001", "garden-001", "garden-b"]


def test_a_path_is_accepted_and_columns_may_come_in_any_order(garden_sensor, tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text(
        "value,observed_at,quantity,device_id,note\n27.5,2026-07-01T12:00:00Z,air_temperature,garden-001,x\n"
    )

    result = readings_import_csv(file=path)

    assert result.stored == 1
    assert Reading.objects.get().value == 27.5


def test_semicolons_a_byte_order_mark_and_decimal_commas_as_dutch_excel_saves_them(
    garden_sensor,
):
    content = "\ufeff" + "\r\n".join(
        [
            "device_id;quantity;observed_at;value",
            "garden-001;air_temperature;2026-07-01T12:00:00+02:00;27,5",
            "garden-001;soil_moisture;2026-07-01T12:00:00+02:00;31",
            ";;;",  # Excel's empty trailing row
            "",
        ]
    )

    result = readings_import_csv(file=io.BytesIO(content.encode("utf-8")))

    assert result.stored == 2
    assert stored_rows() == [
        ("garden-001", "air_temperature", datetime(2026, 7, 1, 10, tzinfo=UTC), 27.5),
        ("garden-001", "soil_moisture", datetime(2026, 7, 1, 10, tzinfo=UTC), 31.0),
    ]


def test_with_a_chosen_sensor_the_device_column_may_be_left_out(garden_sensor):
    sensor, _raw = garden_sensor
    content = "quantity,observed_at,value\nair_temperature,2026-07-01T12:00:00Z,27.5\n"

    result = readings_import_csv(file=io.BytesIO(content.encode()), sensor=sensor)

    assert result.stored == 1
    assert Reading.objects.get().sensor == sensor


def test_with_a_chosen_sensor_a_row_of_another_device_is_refused(garden_sensor, en):
    sensor, _raw = garden_sensor

    rejected = refused(
        csv_bytes(GOOD_ROWS[0], "garden-zzz,air_temperature,2026-07-01T12:10:00Z,27.5"),
        sensor=sensor,
    )

    assert where(rejected) == [(3, "device_id")]
    assert_nothing_written()


def test_progress_is_reported_after_each_chunk_through_the_file(garden_sensor, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    rows = [f"garden-001,air_temperature,2026-07-01T12:{m:02d}:00Z,27.{m}" for m in range(5)]
    calls = []

    result = readings_import_csv(
        file=io.BytesIO(csv_bytes(*rows)), progress=lambda rows, share: calls.append((rows, share))
    )

    assert result.stored == 5
    assert [rows for rows, _share in calls] == [2, 4, 5]
    shares = [share for _rows, share in calls]
    assert 0 < shares[0] < shares[1] < shares[2] == 1.0


# --- the service: refusing --------------------------------------------------------------


@pytest.mark.parametrize(
    ("bad_row", "column", "reason"),
    [
        ("garden-001,wind_speed,2026-07-01T12:30:00Z,3", "quantity", "Unknown quantity"),
        ("garden-001,air_temperature,yesterday noon,21", "observed_at", "ISO 8601"),
        ("garden-001,air_temperature,2026-07-01T12:30:00,21", "observed_at", "offset"),
        ("garden-001,air_temperature,2099-07-01T12:30:00Z,21", "observed_at", "future"),
        ("garden-001,air_temperature,2026-07-01T12:30:00Z,warm", "value", "Give a number"),
        ("garden-001,air_temperature,2026-07-01T12:30:00Z,", "value", "Give a number"),
        ("garden-001,air_temperature,2026-07-01T12:30:00Z,nan", "value", "finite"),
        ("garden-001,air_temperature,2026-07-01T12:30:00Z,700", "value", "impossible"),
        ("garden-001,precipitation,2026-07-01T12:30:00Z,1", "quantity", "not registered"),
        ("garden-999,air_temperature,2026-07-01T12:30:00Z,21", "device_id", "garden-999"),
        (",air_temperature,2026-07-01T12:30:00Z,21", "device_id", "device id"),
    ],
)
def test_a_bad_row_refuses_the_whole_file_naming_its_line_and_column(
    garden_sensor, en, bad_row, column, reason
):
    rejected = refused(csv_bytes(*GOOD_ROWS[:2], bad_row, GOOD_ROWS[2]))

    assert where(rejected) == [(4, column)]
    assert reason in rejected.row_errors[0].message
    assert str(rejected.row_errors[0]).startswith(f"line 4, {column}: ")
    assert_nothing_written()


def test_a_bad_row_in_a_later_chunk_still_refuses_the_rows_before_it(garden_sensor, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    good = [f"garden-001,air_temperature,2026-07-01T12:{m:02d}:00Z,27.{m}" for m in range(6)]

    rejected = refused(csv_bytes(*good, "garden-001,air_temperature,2026-07-01T13:00:00Z,x"))

    assert where(rejected) == [(8, "value")]
    assert_nothing_written()


def test_every_bad_row_is_named_in_file_order(garden_sensor, other_resident, monkeypatch):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    register(other_resident, "garden-b")

    rejected = refused(
        csv_bytes(
            "garden-b,air_temperature,2026-07-01T12:00:00Z,hot",
            "garden-001,air_temperature,2026-07-01T12:00:00Z,27",
            "garden-001,air_temperature,noon,27",
            "nobody,air_temperature,2026-07-01T12:00:00Z,27",
            "garden-b,wind,noon,27",
        )
    )

    assert where(rejected) == [
        (2, "value"),
        (4, "observed_at"),
        (5, "device_id"),
        (6, "quantity"),
        (6, "observed_at"),
    ]
    assert rejected.error_count == 5
    assert_nothing_written()


def test_a_header_without_a_needed_column_is_refused_on_line_1(garden_sensor, en):
    rejected = refused(
        csv_bytes("garden-001,2026-07-01T12:00:00Z,27", header="device_id,observed_at,value")
    )

    assert where(rejected) == [(1, "")]
    assert "quantity" in rejected.row_errors[0].message
    assert_nothing_written()


def test_a_row_with_too_few_fields_is_named(garden_sensor):
    rejected = refused(csv_bytes(GOOD_ROWS[0], "garden-001,air_temperature,27"))

    assert where(rejected) == [(3, "")]
    assert_nothing_written()


def test_an_empty_file_and_a_header_alone_are_refused(garden_sensor):
    assert where(refused(b"")) == [(1, "")]
    assert where(refused(csv_bytes())) == [(2, "")]


def test_a_file_that_is_not_utf8_is_refused_naming_the_line(garden_sensor):
    content = csv_bytes(GOOD_ROWS[0], "garden-001,air_temperature,2026-07-01T12:30:00Z,2\xb0")
    content = content.replace("\xb0".encode(), b"\xb0")  # a Latin-1 degree sign

    assert where(refused(content)) == [(3, "")]
    assert_nothing_written()


# --- the management command ---------------------------------------------------------------


def test_the_command_stores_the_file_and_shows_progress(garden_sensor, tmp_path, monkeypatch, en):
    monkeypatch.setattr(csv_import, "CHUNK_ROWS", 2)
    path = tmp_path / "readings.csv"
    path.write_bytes(csv_bytes(*GOOD_ROWS))
    out = io.StringIO()

    call_command("import_readings", str(path), stdout=out)

    output = out.getvalue()
    assert "% 2 rows checked" in output
    assert "[" + "#" * 30 + "] 100% 3 rows checked" in output
    assert "3 rows read, 3 stored, 0 already present" in output
    assert Reading.objects.count() == 3


def test_the_command_takes_the_device_from_an_option(garden_sensor, tmp_path):
    path = tmp_path / "readings.csv"
    path.write_text("quantity;observed_at;value\nair_temperature;2026-07-01T12:00:00Z;27,5\n")

    call_command("import_readings", str(path), "--device", "garden-001", stdout=io.StringIO())

    assert Reading.objects.get().value == 27.5


def test_the_command_refuses_a_bad_file_with_the_named_errors(garden_sensor, tmp_path, en):
    path = tmp_path / "readings.csv"
    path.write_bytes(csv_bytes(GOOD_ROWS[0], "garden-001,air_temperature,noon,27"))

    with pytest.raises(CommandError) as caught:
        call_command("import_readings", str(path), stdout=io.StringIO())

    assert caught.value.returncode == 1  # manage.py exits with it
    assert "nothing was written" in str(caught.value)
    assert "line 3, observed_at: " in str(caught.value)
    assert_nothing_written()


def test_the_command_refuses_an_unknown_device_option(db, tmp_path):
    path = tmp_path / "readings.csv"
    path.write_bytes(csv_bytes())

    with pytest.raises(CommandError):
        call_command("import_readings", str(path), "--device", "nobody")


# --- the officers' page ---------------------------------------------------------------------

URL = "/sensors/upload/"


def upload(client, content: bytes, **data):
    return client.post(
        URL,
        {"file": SimpleUploadedFile("readings.csv", content, "text/csv"), **data},
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_the_page_is_named():
    assert reverse("sensors:upload") == URL


def test_an_officer_sees_the_form_and_the_menu_link(client, officer):
    client.force_login(officer)

    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Upload readings</h1>" in html
    assert 'enctype="multipart/form-data"' in html
    assert f'href="{URL}"' in html


def test_an_officer_uploads_a_file_and_sees_the_result(client, officer, garden_sensor):
    client.force_login(officer)

    response = upload(client, csv_bytes(*GOOD_ROWS))

    assert response.status_code == 200
    assert response.context["result"].stored == 3
    html = response.content.decode()
    assert "File stored" in html
    assert "<dt>Readings stored</dt><dd>3</dd>" in html
    assert Reading.objects.count() == 3


def test_an_officer_uploads_for_a_chosen_sensor(client, officer, garden_sensor):
    sensor, _raw = garden_sensor
    client.force_login(officer)

    response = upload(
        client,
        b"quantity;observed_at;value\r\nair_temperature;2026-07-01T12:00:00Z;27,5\r\n",
        sensor=sensor.pk,
    )

    assert response.status_code == 200
    assert Reading.objects.get().sensor == sensor


def test_a_bad_file_shows_the_named_errors_and_writes_nothing(client, officer, garden_sensor):
    client.force_login(officer)

    response = upload(
        client,
        csv_bytes(GOOD_ROWS[0], "garden-001,air_temperature,noon,27", "ghost,wet_feet,x,1"),
    )

    assert response.status_code == 400
    html = response.content.decode()
    assert "nothing was stored" in html
    assert "2 problems found" in html
    assert "<tr><td>3</td><td>observed_at</td><td>Give an ISO 8601 time" in html
    assert "<tr><td>4</td><td>device_id</td><td>No sensor is registered" in html
    assert_nothing_written()


def test_the_page_shows_the_first_50_errors_and_counts_the_rest(client, officer, garden_sensor):
    client.force_login(officer)
    rows = [f"garden-001,air_temperature,noon,{n}" for n in range(60)]

    response = upload(client, csv_bytes(*rows))

    assert response.status_code == 400
    assert len(response.context["row_errors"]) == 50
    assert "and 10 more problems" in response.content.decode()
    assert_nothing_written()


def test_a_too_large_file_is_refused_with_a_clear_error(
    client, officer, garden_sensor, monkeypatch
):
    monkeypatch.setattr(upload_views, "MAX_UPLOAD_BYTES", 100)
    client.force_login(officer)

    response = upload(client, csv_bytes(*GOOD_ROWS))

    assert response.status_code == 400
    assert "upload at most 100" in response.content.decode()
    assert_nothing_written()


@pytest.mark.parametrize("user", ["resident", "council"])
def test_residents_and_council_members_are_forbidden(client, request, user, garden_sensor):
    client.force_login(request.getfixturevalue(user))

    assert client.get(URL).status_code == 403
    assert upload(client, csv_bytes(*GOOD_ROWS)).status_code == 403
    assert_nothing_written()


def test_the_menu_link_is_for_officers_only(client, resident):
    client.force_login(resident)

    assert f'href="{URL}"' not in client.get("/sensors/").content.decode()


def test_an_anonymous_visitor_is_sent_to_log_in(client, garden_sensor):
    response = client.get(URL)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert upload(client, csv_bytes(*GOOD_ROWS)).status_code == 302
    assert_nothing_written()

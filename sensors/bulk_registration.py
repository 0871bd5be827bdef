"""Registering many sensors at once from a CSV or GeoJSON file (officers): all or nothing.

A CSV file has a header line; a GeoJSON file is a FeatureCollection of Point
features (longitude, latitude in WGS84) whose properties carry the same names:

- `device_id` (required): the id the device reports itself with;
- `kind` (required): garden, lamp_post, school or other (Dutch: tuin,
  lantaarnpaal, school, overig);
- `quantities` (required): what it measures, e.g. "air_temperature relative_humidity"
  (separated by spaces, commas, semicolons or |; in GeoJSON a list too);
- `latitude`, `longitude` (CSV, required): the exact location, which stays
  private: everyone else sees the centre of its 100 m cell;
- `owner_email`: the e-mail address of the active account hosting it. A
  garden needs one (its host sees and manages it); a lamp post has none (the
  municipality's); for a school or other it is optional;
- `name`, `height_m` (0-30), `exposure` (sun, partial, shade), `surface`
  (paving, grass, plants, soil, gravel, water, other), `hardware` (native,
  meetjestad, ttn, sensor_community, station; by default station for a lamp
  post and native otherwise).

CSV takes `,`, `;` (Dutch Excel, with decimal commas) or a tab, and the short
names lat, lon and lng. Each row goes through the checks of a single
registration (sensors.services.sensor_fields_check); a device id already
registered, or twice in the file, is a bad row. If any row is bad nothing is
registered and every bad row is named with its field: by line for CSV (the
header is line 1), by feature number for GeoJSON (from 0, as in the file).

The sensors, their areas (one query for all public cells) and their tokens are
written in a few bulk statements. The device tokens come back as a CSV file
(device_id, token) that can be downloaded once, within TOKENS_TTL: it is kept
XORed with a one-time pad of random bytes, the pad in Redis and the result on
the SensorRegistration row, so neither a database dump nor a Redis dump holds a
usable token, and both are deleted at the first download.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import secrets
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.gis.geos import GEOSException, GEOSGeometry, Point
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import selectors as civic_selectors
from civic.roles import is_staff_member
from sensors.csv_import import sniff_delimiter
from sensors.models import DeviceToken, Sensor, SensorRegistration
from sensors.services import sensor_fields_check, sensor_public_places

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_SENSORS = 10_000
TOKENS_TTL = timedelta(hours=1)
# Bad rows kept for the report; beyond this they are only counted.
MAX_PROBLEMS_KEPT = 500

REQUIRED = ("device_id", "kind", "quantities")
OPTIONAL = ("owner_email", "name", "height_m", "exposure", "surface", "hardware")
CSV_LOCATION = ("latitude", "longitude")
ALIASES = {
    "lat": "latitude",
    "lon": "longitude",
    "lng": "longitude",
    "external_id": "device_id",
    "owner": "owner_email",
    "email": "owner_email",
    "height": "height_m",
}
KIND_NAMES = {
    "garden": Sensor.Kind.GARDEN,
    "tuin": Sensor.Kind.GARDEN,
    "lamp_post": Sensor.Kind.LAMP_POST,
    "lamppost": Sensor.Kind.LAMP_POST,
    "lantaarnpaal": Sensor.Kind.LAMP_POST,
    "school": Sensor.Kind.SCHOOL,
    "other": Sensor.Kind.OTHER,
    "overig": Sensor.Kind.OTHER,
    "anders": Sensor.Kind.OTHER,
}
DEFAULT_HARDWARE = {Sensor.Kind.LAMP_POST: Sensor.Hardware.STATION}
# What sensor_fields_check names, as the file names it.
_COLUMN_OF = {"external_id": "device_id", "owner": "owner_email"}
_LIST_SEPARATORS = re.compile(r"[\s,;|]+")


@dataclass(frozen=True, order=True)
class RowProblem:
    """A bad row: where (CSV line or GeoJSON feature number), the field and why."""

    where: int
    field: str
    message: str
    unit: str = "line"

    def __str__(self) -> str:
        values = {"n": self.where, "field": self.field, "message": self.message}
        if self.unit == "feature":
            return _("feature %(n)d, %(field)s: %(message)s") % values
        return _("line %(n)d, %(field)s: %(message)s") % values


class RegistrationRejected(ValidationError):
    """A file that registers nothing: problems of the file itself, or its bad rows in order."""

    def __init__(self, *, file_problems: list[str], rows: list[RowProblem], count: int):
        self.file_problems = file_problems
        self.rows = rows
        self.count = count
        super().__init__({"file": file_problems or [str(problem) for problem in rows]})

    def as_api(self) -> dict[str, Any]:
        """{"file": [...]}, or {"lines" | "features": {"3": {"owner_email": ["…"]}}}."""
        if self.file_problems:
            return {"file": self.file_problems}
        unit = "features" if self.rows and self.rows[0].unit == "feature" else "lines"
        body: dict[str, dict[str, list[str]]] = {}
        for problem in self.rows:
            body.setdefault(str(problem.where), {}).setdefault(problem.field, []).append(
                problem.message
            )
        return {unit: body}


class TokensNotHeld(Exception):
    """Redis could not take the pad of the tokens file; nothing was registered."""


class TokensGone(Exception):
    """The tokens file was downloaded already, or expired; it is not kept (410)."""


@dataclass
class _Row:
    """One sensor as read from the file, before the checks."""

    where: int
    values: dict[str, Any]
    location: Point | None = None
    problems: dict[str, str] = field(default_factory=dict)


@dataclass
class _Problems:
    unit: str
    rows: list[RowProblem] = field(default_factory=list)
    count: int = 0

    def add(self, where: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.rows) < MAX_PROBLEMS_KEPT:
            self.rows.append(RowProblem(where, column, message, self.unit))


def _file_problem(message: str) -> RegistrationRejected:
    return RegistrationRejected(file_problems=[message], rows=[], count=1)


def _columns_help() -> str:
    return ", ".join((*REQUIRED, *CSV_LOCATION, *OPTIONAL))


# ----------------------------------------------------------------------------- reading


def _number(raw: Any, decimal_comma: bool = False) -> float | None:
    """A finite number from a cell or property; None when empty; ValueError otherwise."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, bool):
        raise ValueError
    if isinstance(raw, int | float):
        value = float(raw)
    else:
        text = str(raw).strip()
        if not text:
            return None
        value = float(text.replace(",", ".") if decimal_comma else text)
    if not math.isfinite(value):
        raise ValueError
    return value


def _read_csv(text: str) -> tuple[list[_Row], _Problems]:
    problems = _Problems("line")
    lines = text.splitlines(keepends=True)
    if not lines or not lines[0].strip():
        raise _file_problem(
            _("The first line must be the header: %(columns)s.") % {"columns": _columns_help()}
        )
    delimiter = sniff_delimiter(lines[0])
    reader = csv.reader(lines, delimiter=delimiter)
    header = [ALIASES.get(name, name) for name in (c.strip().lower() for c in next(reader))]
    known = {*REQUIRED, *CSV_LOCATION, *OPTIONAL}
    unknown = [name for name in header if name and name not in known]
    missing = [name for name in (*REQUIRED, *CSV_LOCATION) if name not in header]
    doubled = sorted({name for name in header if name and header.count(name) > 1})
    complaints = []
    if missing:
        complaints.append(_("The header lacks %(names)s.") % {"names": ", ".join(missing)})
    if unknown:
        complaints.append(
            _("The header names unknown columns: %(names)s.") % {"names": ", ".join(unknown)}
        )
    if doubled:
        complaints.append(_("Columns named twice: %(names)s.") % {"names": ", ".join(doubled)})
    if complaints:
        complaints.append(_("The columns are: %(columns)s.") % {"columns": _columns_help()})
        raise _file_problem(" ".join(complaints))
    decimal_comma = delimiter != ","
    rows = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # blank lines and Excel's trailing ";;;"
            line = reader.line_num
            if len(cells) < len(header) or any(cell.strip() for cell in cells[len(header) :]):
                problems.add(
                    line,
                    "",
                    _("This row has %(got)d fields where the header has %(want)d.")
                    % {"got": len(cells), "want": len(header)},
                )
                continue
            values = {name: cells[index].strip() for index, name in enumerate(header) if name}
            row = _Row(where=line, values=values)
            try:
                latitude = _number(values["latitude"], decimal_comma)
            except ValueError:
                latitude = None
                row.problems["latitude"] = _("Give a number of degrees, e.g. 52.5281.")
            try:
                longitude = _number(values["longitude"], decimal_comma)
            except ValueError:
                longitude = None
                row.problems["longitude"] = _("Give a number of degrees, e.g. 6.0623.")
            if latitude is None and "latitude" not in row.problems:
                row.problems["latitude"] = _("Give the latitude.")
            if longitude is None and "longitude" not in row.problems:
                row.problems["longitude"] = _("Give the longitude.")
            if latitude is not None and not -90 <= latitude <= 90:
                row.problems["latitude"] = _("A latitude lies between -90 and 90.")
            if longitude is not None and not -180 <= longitude <= 180:
                row.problems["longitude"] = _("A longitude lies between -180 and 180.")
            if not row.problems.keys() & {"latitude", "longitude"}:
                row.location = Point(longitude, latitude, srid=4326)
            try:
                row.values["height_m"] = _number(values.get("height_m"), decimal_comma)
            except ValueError:
                row.problems["height_m"] = _("Give a number of metres, e.g. 1.5.")
            rows.append(row)
            if len(rows) > MAX_SENSORS:
                break
    except csv.Error as error:
        problems.add(
            reader.line_num, "", _("The file cannot be read here: %(why)s") % {"why": error}
        )
    return rows, problems


def _read_geojson(text: str) -> tuple[list[_Row], _Problems]:
    problems = _Problems("feature")
    try:
        collection = json.loads(text)
    except ValueError:
        raise _file_problem(
            _("This is neither CSV nor GeoJSON: the JSON cannot be read.")
        ) from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise _file_problem(_("Expected a GeoJSON FeatureCollection of Point features."))
    features = collection.get("features")
    if not isinstance(features, list):
        raise _file_problem(_("Expected a GeoJSON FeatureCollection of Point features."))
    rows = []
    for index, feature in enumerate(features[: MAX_SENSORS + 1]):
        if not isinstance(feature, dict):
            problems.add(index, "", _("Each feature is an object."))
            continue
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        values = {ALIASES.get(name, name): value for name, value in properties.items()}
        row = _Row(where=index, values=values)
        for name in ("device_id", "kind", "owner_email", "name", "exposure", "surface", "hardware"):
            value = values.get(name)
            if value is None:
                values[name] = ""
            elif isinstance(value, str | int) and not isinstance(value, bool):
                values[name] = str(value).strip()
            else:
                row.problems[name] = _("Give text.")
        if isinstance(values.get("quantities"), list):
            values["quantities"] = " ".join(str(code) for code in values["quantities"])
        elif not isinstance(values.get("quantities"), str | type(None)):
            row.problems["quantities"] = _("Give a list of quantities.")
        try:
            values["height_m"] = _number(values.get("height_m"))
        except ValueError:
            row.problems["height_m"] = _("Give a number of metres, e.g. 1.5.")
        try:
            geometry = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
        except (KeyError, TypeError, ValueError, GEOSException):
            geometry = None
        if geometry is None or geometry.geom_type != "Point" or geometry.empty:
            row.problems["geometry"] = _("Give a Point geometry: [longitude, latitude].")
        elif not (-180 <= geometry.x <= 180 and -90 <= geometry.y <= 90):
            row.problems["geometry"] = _("The coordinates are not on Earth.")
        else:
            row.location = Point(geometry.x, geometry.y, srid=4326)
        rows.append(row)
    return rows, problems


def _read(content: bytes) -> tuple[list[_Row], _Problems]:
    if len(content) > MAX_FILE_BYTES:
        raise _file_problem(
            _("The file is larger than %(mb)d MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)}
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = content[: error.start].count(b"\n") + 1
        raise _file_problem(
            _("Line %(line)d is not UTF-8 text; save the file as “CSV UTF-8”.") % {"line": line}
        ) from None
    if "\x00" in text:
        raise _file_problem(_("The file holds a NUL character; it is not a text file."))
    if text.lstrip().startswith("{"):
        rows, problems = _read_geojson(text)
    else:
        rows, problems = _read_csv(text)
    if len(rows) > MAX_SENSORS:
        raise _file_problem(
            _("The file holds more than %(n)d sensors; split it.") % {"n": MAX_SENSORS}
        )
    if not rows and not problems.count:
        raise _file_problem(_("The file holds no sensors."))
    return rows, problems


# ----------------------------------------------------------------------------- checking


def _owners(rows: list[_Row]) -> dict[str, Any]:
    """Active accounts by lower-case e-mail address, for the addresses the file names."""
    emails = {str(row.values.get("owner_email") or "").lower() for row in rows} - {""}
    if not emails:
        return {}
    accounts = (
        get_user_model()
        .objects.filter(is_active=True)
        .annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
    )
    return {account.email_lower: account for account in accounts}


def _check_locations(rows: list[_Row], location_field: str) -> None:
    """Each location inside the municipality, as location_clean holds it (two queries)."""
    located = [row for row in rows if row.location is not None]
    points = [row.location for row in located]
    # Latitude and longitude given the wrong way round is the common mistake: say so.
    swapped = [Point(point.y, point.x, srid=4326) for point in points]
    inside = civic_selectors.points_in_municipality(points=points + swapped)
    for row, here, there in zip(located, inside[: len(points)], inside[len(points) :], strict=True):
        if not here:
            message = _("This point lies outside the municipality.")
            if there:
                message += " " + _("Are latitude and longitude swapped?")
            row.problems[location_field] = message


def _check(rows: list[_Row], problems: _Problems) -> list[tuple[_Row, dict[str, Any]]]:
    """Every row through the checks of one registration; the good ones, cleaned."""
    location_field = "geometry" if problems.unit == "feature" else "latitude"
    owners = _owners(rows)
    device_ids = [str(row.values.get("device_id") or "").strip() for row in rows]
    taken = set(
        Sensor.objects.filter(external_id__in=set(device_ids) - {""}).values_list(
            "external_id", flat=True
        )
    )
    _check_locations(rows, location_field)
    first_line: dict[str, int] = {}
    checked = []
    for row, device_id in zip(rows, device_ids, strict=True):
        values = row.values
        kind_text = str(values.get("kind") or "").strip().lower().replace("-", "_")
        kind = KIND_NAMES.get(kind_text.replace(" ", "_"), "")
        if "kind" not in row.problems and not kind:
            row.problems["kind"] = (
                _("Give the kind: garden, lamp_post, school or other.")
                if not kind_text
                else _("Unknown kind “%(kind)s”; use garden, lamp_post, school or other.")
                % {"kind": kind_text}
            )
        email = str(values.get("owner_email") or "").strip().lower()
        owner = owners.get(email) if email else None
        if email and owner is None and "owner_email" not in row.problems:
            row.problems["owner_email"] = _("No active account has this e-mail address.")
        hardware = str(values.get("hardware") or "").strip().lower() or DEFAULT_HARDWARE.get(
            kind, Sensor.Hardware.NATIVE
        )
        fields, errors = sensor_fields_check(
            external_id=device_id,
            kind=kind or Sensor.Kind.OTHER,
            hardware=hardware,
            quantities=[
                code for code in _LIST_SEPARATORS.split(values.get("quantities") or "") if code
            ],
            owner=owner,
            name=str(values.get("name") or ""),
            height_m=values.get("height_m") if "height_m" not in row.problems else None,
            exposure=str(values.get("exposure") or "").strip().lower(),
            surface=str(values.get("surface") or "").strip().lower(),
        )
        if email and owner is None:
            errors.pop("owner", None)  # named above: no such account
        if not kind:
            errors.pop("owner", None)  # the kind is what is wrong
        for name, messages in errors.items():
            row.problems.setdefault(_COLUMN_OF.get(name, name), " ".join(messages))
        if device_id and "device_id" not in row.problems:
            if device_id in taken:
                row.problems["device_id"] = _("A sensor with this device id is already registered.")
            elif device_id in first_line:
                row.problems["device_id"] = (
                    _("This device id is also on line %(n)d; give each device once.")
                    if problems.unit == "line"
                    else _("This device id is also in feature %(n)d; give each device once.")
                ) % {"n": first_line[device_id]}
            else:
                first_line[device_id] = row.where
        if row.problems:
            order = list(values)
            for name, message in sorted(
                row.problems.items(),
                key=lambda item: order.index(item[0]) if item[0] in order else -1,
            ):
                problems.add(row.where, name, message)
        else:
            checked.append((row, fields))
    return checked


# ----------------------------------------------------------------------------- writing


def _tokens_csv(pairs: list[tuple[str, str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["device_id", "token"])
    writer.writerows(pairs)
    return out.getvalue().encode("utf-8")


def _xor(data: bytes, pad: bytes) -> bytes:
    return (int.from_bytes(data, "big") ^ int.from_bytes(pad, "big")).to_bytes(len(data), "big")


def _pad_key(registration_id: int) -> str:
    return f"sensors:registration-pad:{registration_id}"


def _hold(registration: SensorRegistration, tokens_csv: bytes) -> None:
    """Keep the tokens file sealed until its first download or TOKENS_TTL (see the module)."""
    pad = secrets.token_bytes(len(tokens_csv))
    try:
        cache.set(_pad_key(registration.pk), pad, timeout=int(TOKENS_TTL.total_seconds()))
    except Exception as error:  # redis-py's errors; the registration rolls back
        raise TokensNotHeld from error
    registration.tokens_sealed = _xor(tokens_csv, pad)
    registration.tokens_expire_at = timezone.now() + TOKENS_TTL
    registration.save(update_fields=["tokens_sealed", "tokens_expire_at"])


def sensors_register_file(
    *, actor, content: bytes, file_name: str, hold_tokens: bool = True
) -> tuple[SensorRegistration, bytes | None]:
    """Register every sensor of a CSV or GeoJSON file, or none (RegistrationRejected).

    Officers only. With `hold_tokens` the tokens file is kept for one download
    (registration_tokens_take) and None is returned in its place; without, the
    caller gets it (the management command writes it to a file) and it is kept
    nowhere. TokensNotHeld when Redis cannot take it: then nothing is registered.
    """
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only officers register sensors from a file."))
    rows, problems = _read(content)
    checked = _check(rows, problems)
    if problems.count:
        raise RegistrationRejected(
            file_problems=[], rows=sorted(problems.rows), count=problems.count
        )
    places = sensor_public_places([row.location for row, _fields in checked])
    with transaction.atomic():
        registration = SensorRegistration.objects.create(
            created_by=actor, file_name=file_name[:255], sensor_count=len(checked)
        )
        sensors = Sensor.objects.bulk_create(
            [
                Sensor(
                    **fields,
                    location=row.location,
                    public_location=public_location,
                    area=area,
                    registration=registration,
                )
                for (row, fields), (public_location, area) in zip(checked, places, strict=True)
            ]
        )
        raw = {sensor.pk: secrets.token_urlsafe(32) for sensor in sensors}
        DeviceToken.objects.bulk_create(
            [
                DeviceToken(
                    sensor=sensor,
                    key_hash=DeviceToken.hash(raw[sensor.pk]),
                    hint=raw[sensor.pk][:6],
                )
                for sensor in sensors
            ]
        )
        tokens_csv = _tokens_csv([(sensor.external_id, raw[sensor.pk]) for sensor in sensors])
        del raw
        if not hold_tokens:
            return registration, tokens_csv
        _hold(registration, tokens_csv)
    return registration, None


def registration_tokens_take(*, registration: SensorRegistration) -> bytes:
    """The tokens file of a registration, exactly once; TokensGone after that or when expired."""
    with transaction.atomic():
        held = SensorRegistration.objects.select_for_update().get(pk=registration.pk)
        if held.tokens_downloaded_at is not None:
            gone = _("These device tokens were downloaded at %(when)s; they are not kept.") % {
                "when": timezone.localtime(held.tokens_downloaded_at).strftime("%H:%M")
            }
        else:
            pad = cache.get(_pad_key(held.pk)) if held.tokens_sealed else None
            expired = held.tokens_expire_at is None or held.tokens_expire_at <= timezone.now()
            if pad is None or expired or len(pad) != len(held.tokens_sealed):
                gone = _(
                    "The device tokens file expired (it is kept for %(minutes)d minutes). "
                    "Issue new tokens for these sensors in the admin."
                ) % {"minutes": TOKENS_TTL.total_seconds() // 60}
                tokens_csv = b""
            else:
                gone = ""
                tokens_csv = _xor(bytes(held.tokens_sealed), pad)
                held.tokens_downloaded_at = timezone.now()
            held.tokens_sealed = b""
            held.save(update_fields=["tokens_sealed", "tokens_downloaded_at"])
            transaction.on_commit(lambda: cache.delete(_pad_key(held.pk)))
    if gone:
        raise TokensGone(gone)
    return tokens_csv

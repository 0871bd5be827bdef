"""Importing readings from a CSV file: checked whole, then stored whole, or refused whole.

The file has a header line with the columns `device_id, quantity, observed_at,
value` (in any order; other columns are ignored). `device_id` may be left out
when the caller names the sensor. The delimiter is `,`, `;` (Dutch Excel) or a
tab, read from the header line; a UTF-8 byte order mark is accepted, and with
`;` or a tab a decimal comma too ("21,5").

Policy, the same as the API's (sensors.ingest): if any row is bad, the whole
file is refused and nothing is written; each error names its line (the header
is line 1), its column and the reason. A replayed file stores nothing new.

The file is streamed twice in chunks of CHUNK_ROWS rows, never held in memory
whole: the first pass checks every row (with the API's own checks,
`readings_parse`, per device and chunk), the second stores every chunk per
device with `readings_store` inside one transaction, so even a file of many
chunks is stored entirely or not at all.

Large uploads are imported in the background by sensors.reading_imports, with
these same functions.
"""

from __future__ import annotations

import csv
import logging
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import chain

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sensors.ingest import MAX_BATCH, BatchRejected, ParsedReading, readings_parse, readings_store
from sensors.models import Sensor

logger = logging.getLogger(__name__)

CHUNK_ROWS = 5_000
# A line longer than this is not a reading; refusing it keeps memory bounded.
MAX_LINE_BYTES = 64 * 1024
# Errors kept for display; beyond this they are only counted.
MAX_ERRORS_KEPT = 1_000
COLUMNS = ("device_id", "quantity", "observed_at", "value")
DELIMITERS = (",", ";", "\t")

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class RowError:
    """One problem: the 1-based line (the header is line 1), the column (or "") and why."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("line %(line)d, %(column)s: %(message)s") % {
                "line": self.line,
                "column": self.column,
                "message": self.message,
            }
        return _("line %(line)d: %(message)s") % {"line": self.line, "message": self.message}


class CsvImportRejected(ValidationError):
    """A file with bad rows; nothing was written. `row_errors` holds the first ones, in order."""

    def __init__(self, row_errors: list[RowError], error_count: int | None = None):
        self.row_errors = row_errors
        self.error_count = error_count if error_count is not None else len(row_errors)
        super().__init__([str(error) for error in row_errors])


@dataclass(frozen=True)
class CsvImportResult:
    received: int
    stored: int

    @property
    def duplicates(self) -> int:
        return self.received - self.stored


@dataclass
class _Errors:
    kept: list[RowError] = field(default_factory=list)
    count: int = 0

    def add(self, line: int, column: str, message: str) -> None:
        self.count += 1
        if len(self.kept) < MAX_ERRORS_KEPT:
            self.kept.append(RowError(line, column, message))

    def rejection(self) -> CsvImportRejected:
        return CsvImportRejected(sorted(self.kept, key=lambda e: e.line), self.count)


class _FileProblem(Exception):
    """The file cannot be read on from this line (encoding, an endless line, broken quoting)."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True)
class _Row:
    line: int
    device_id: str
    record: dict


def _lines(file) -> Iterator[str]:
    """The file's physical lines as text, one at a time, without a leading byte order mark."""
    number = 0
    while True:
        raw = file.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES and raw[-1:] not in ("\n", b"\n"):
            raise _FileProblem(
                number, _("This line is longer than %(n)d bytes.") % {"n": MAX_LINE_BYTES}
            )
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise _FileProblem(
                    number, _("This line is not UTF-8 text; save the file as “CSV UTF-8”.")
                ) from None
        else:
            text = raw
        if number == 1:
            text = text.removeprefix("\ufeff")
        yield text


def _sniff_delimiter(header_line: str) -> str:
    # The column names hold none of the candidates, so the most frequent one is the delimiter.
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _value(raw: str, decimal_comma: bool):
    """A number from a cell; anything else is passed on for readings_parse to name."""
    text = raw.strip()
    if not text:
        return None
    if text.lower() in ("true", "false"):
        return text.lower() == "true"  # only wet feet takes on/off
    if decimal_comma:
        text = text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return text


def _chunks(file, *, sensor: Sensor | None, errors: _Errors) -> Iterator[list[_Row]]:
    """The file's rows in chunks of CHUNK_ROWS; problems of form go to `errors`."""
    lines = _lines(file)
    try:
        header_line = next(lines, None)
    except _FileProblem as problem:
        errors.add(problem.line, "", problem.message)
        return
    if header_line is None or not header_line.strip():
        errors.add(
            1,
            "",
            _("The first line must be the header: %(columns)s.") % {"columns": ",".join(COLUMNS)},
        )
        return
    delimiter = _sniff_delimiter(header_line)
    reader = csv.reader(chain([header_line], lines), delimiter=delimiter)
    header = [name.strip().lower() for name in next(reader)]
    needed = COLUMNS[1:] if sensor is not None else COLUMNS
    missing = [name for name in needed if name not in header]
    doubled = sorted({name for name in header if name in COLUMNS and header.count(name) > 1})
    if missing:
        errors.add(
            1,
            "",
            _("The header lacks %(missing)s; expected %(columns)s.")
            % {"missing": ", ".join(missing), "columns": ",".join(COLUMNS)},
        )
    if doubled:
        errors.add(1, "", _("Columns named twice: %(names)s.") % {"names": ", ".join(doubled)})
    if missing or doubled:
        return
    where = {name: header.index(name) for name in COLUMNS if name in header}
    width = len(header)
    decimal_comma = delimiter != ","
    chunk: list[_Row] = []
    size = max(1, min(CHUNK_ROWS, MAX_BATCH))
    while True:
        try:
            cells = next(reader, None)
        except _FileProblem as problem:
            errors.add(problem.line, "", problem.message)
            break
        except csv.Error as error:
            errors.add(
                reader.line_num, "", _("The file cannot be read here: %(why)s") % {"why": error}
            )
            break
        if cells is None:
            break
        if not any(cell.strip() for cell in cells):
            continue  # blank lines and Excel's trailing ";;;"
        if len(cells) < width or any(cell.strip() for cell in cells[width:]):
            errors.add(
                reader.line_num,
                "",
                _("This row has %(got)d fields where the header has %(want)d.")
                % {"got": len(cells), "want": width},
            )
            continue
        chunk.append(
            _Row(
                line=reader.line_num,
                device_id=cells[where["device_id"]].strip() if "device_id" in where else "",
                record={
                    "quantity": cells[where["quantity"]].strip(),
                    "observed_at": cells[where["observed_at"]],
                    "value": _value(cells[where["value"]], decimal_comma),
                },
            )
        )
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _check(
    chunk: list[_Row], *, sensor: Sensor | None, devices: dict[str, Sensor | None], errors: _Errors
) -> list[tuple[Sensor, list[ParsedReading]]]:
    """Each device's rows of the chunk through the API's checks; problems go to `errors`."""
    unseen = {row.device_id for row in chunk if row.device_id and row.device_id not in devices}
    if unseen:
        found = Sensor.objects.in_bulk(list(unseen), field_name="external_id")
        devices.update({device_id: found.get(device_id) for device_id in unseen})
    groups: dict[int, tuple[Sensor, list[int], list[dict]]] = {}
    for row in chunk:
        if sensor is not None:
            if row.device_id and row.device_id != sensor.external_id:
                errors.add(
                    row.line,
                    "device_id",
                    _("This row belongs to device %(row)s, not to the chosen sensor %(chosen)s.")
                    % {"row": row.device_id, "chosen": sensor.external_id},
                )
                continue
            target = sensor
        elif not row.device_id:
            errors.add(row.line, "device_id", _("Give the device id."))
            continue
        else:
            target = devices[row.device_id]
            if target is None:
                errors.add(
                    row.line,
                    "device_id",
                    _("No sensor is registered with device id %(id)s.") % {"id": row.device_id},
                )
                continue
        group = groups.setdefault(target.pk, (target, [], []))
        group[1].append(row.line)
        group[2].append(row.record)
    checked = []
    for target, lines, records in groups.values():
        try:
            checked.append((target, readings_parse(sensor=target, records=records)))
        except BatchRejected as rejected:
            for index, fields in rejected.problems.items():
                for column, messages in fields.items():
                    for message in messages:
                        errors.add(
                            lines[int(index)],
                            "" if column == "non_field_errors" else column,
                            message,
                        )
    return checked


def _rewindable(file):
    """The file itself if it can be read twice, else a spooled copy of it."""
    if getattr(file, "seekable", lambda: False)():
        return file
    sample = file.read(0)
    # Closed by the caller once both passes are done.
    copy = tempfile.SpooledTemporaryFile(  # noqa: SIM115
        max_size=8 * 1024 * 1024, mode="w+b" if isinstance(sample, bytes) else "w+"
    )
    shutil.copyfileobj(file, copy)
    return copy


def readings_import_csv(
    *,
    file,
    sensor: Sensor | None = None,
    progress: Progress | None = None,
    checking: Callable[[int], None] | None = None,
) -> CsvImportResult:
    """Check every row of a CSV file of readings, then store them all in one transaction.

    `file` is a path or an open file (binary or text). Raises CsvImportRejected
    naming line, column and reason of each bad row; then nothing was written.
    `progress(done_rows, total_rows)` is called after each stored chunk, and
    `checking(rows_checked)` after each checked chunk of the first pass.
    """
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as opened:
            return readings_import_csv(
                file=opened, sensor=sensor, progress=progress, checking=checking
            )
    source = _rewindable(file)
    try:
        start = source.tell()
        return _import(source, start=start, sensor=sensor, progress=progress, checking=checking)
    finally:
        if source is not file:
            source.close()


def _import(
    file,
    *,
    start: int,
    sensor: Sensor | None,
    progress: Progress | None,
    checking: Callable[[int], None] | None,
) -> CsvImportResult:
    devices: dict[str, Sensor | None] = {}
    errors = _Errors()
    total = 0
    for chunk in _chunks(file, sensor=sensor, errors=errors):
        total += len(chunk)
        _check(chunk, sensor=sensor, devices=devices, errors=errors)
        if checking is not None:
            checking(total)
    if not errors.count and not total:
        errors.add(2, "", _("The file holds no readings below its header."))
    if errors.count:
        raise errors.rejection()

    file.seek(start)
    done = stored = 0
    with transaction.atomic():
        for chunk in _chunks(file, sensor=sensor, errors=errors):
            checked = _check(chunk, sensor=sensor, devices=devices, errors=errors)
            if errors.count:  # the file changed between the passes: roll back
                raise errors.rejection()
            for target, readings in checked:
                stored += readings_store(sensor=target, readings=readings).stored
            done += len(chunk)
            if progress is not None:
                progress(done, total)
        if errors.count or done != total:
            if not errors.count:
                errors.add(1, "", _("The file changed while it was being imported."))
            raise errors.rejection()
    return CsvImportResult(received=total, stored=stored)

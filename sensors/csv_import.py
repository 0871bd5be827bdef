"""Importing readings from a CSV file: checked and stored in one transaction, or refused whole.

The file has a header line with the columns `device_id, quantity, observed_at,
value` (in any order; other columns are ignored). `device_id` may be left out
when the caller names the sensor. The delimiter is `,`, `;` (Dutch Excel) or a
tab, read from the header line; a UTF-8 byte order mark is accepted, and with
`;` or a tab a decimal comma too ("21,5").

Policy, the same as the API's (sensors.ingest): if any row is bad, the whole
file is refused and nothing is written; each error names its line (the header
is line 1), its column and the reason. A replayed file stores nothing new.

The file is streamed once in chunks of CHUNK_ROWS rows, never held in memory
whole. Every row goes through the API's own checks (`sensors.ingest.ReadingChecks`);
each chunk of good rows goes to the device API's statement (readings, dirty-day
markers, sensors heard from) through `sensors.ingest.readings_pipeline`, which
lets PostgreSQL store one chunk while this process reads and checks the next.
All of it happens in one transaction: when a bad row turns up, nothing more is
sent, the rest of the file is still checked so that every problem is named,
and the transaction is rolled back, so a refused file leaves nothing behind.
This runs at about 0.7 times the speed of a plain COPY of the same rows into
the readings table (bench/csv_import.py; the check-then-store passes before
it ran at a fifth of it).

Large uploads are imported in the background by sensors.reading_imports, with
these same functions.
"""

from __future__ import annotations

import csv
import gc
import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import chain

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sensors.ingest import ReadingChecks, RecordRejected, readings_pipeline
from sensors.models import Sensor

logger = logging.getLogger(__name__)

# Rows per statement: large enough that a round trip is nothing next to storing them.
CHUNK_ROWS = 20_000
# A line longer than this is not a reading; refusing it keeps memory bounded.
MAX_LINE_BYTES = 64 * 1024
# Errors kept for display; beyond this they are only counted.
MAX_ERRORS_KEPT = 1_000
COLUMNS = ("device_id", "quantity", "observed_at", "value")
DELIMITERS = (",", ";", "\t")

# progress(rows read, share of the file read from 0 to 1, or None when its size is unknown)
Progress = Callable[[int, float | None], None]


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


# A row of the file: its line number (of its last physical line) and its cells.
_Row = tuple[int, list[str]]


@dataclass(frozen=True)
class _Layout:
    """Where the columns are (indexes into a row's cells) and how numbers are written."""

    device_id: int | None
    quantity: int
    observed_at: int
    value: int
    decimal_comma: bool


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


def sniff_delimiter(header_line: str) -> str:
    """The delimiter of a CSV file from its header line: `,`, `;` or a tab."""
    # The column names hold none of the candidates, so the most frequent one is the delimiter.
    counts = {delimiter: header_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def _value(raw: str, decimal_comma: bool):
    """A number from a cell; anything else is passed on for the checks to name."""
    text = raw.strip()
    if not text:
        return None
    try:
        return float(text.replace(",", ".") if decimal_comma else text)
    except ValueError:
        pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"  # only wet feet takes on/off
    return text


def _chunks(
    file, *, sensor: Sensor | None, errors: _Errors
) -> Iterator[tuple[_Layout, list[_Row]]]:
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
    delimiter = sniff_delimiter(header_line)
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
    layout = _Layout(
        device_id=header.index("device_id") if "device_id" in header else None,
        quantity=header.index("quantity"),
        observed_at=header.index("observed_at"),
        value=header.index("value"),
        decimal_comma=delimiter != ",",
    )
    width = len(header)
    quantity = layout.quantity
    chunk: list[_Row] = []
    size = max(1, CHUNK_ROWS)
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
        # The common row has as many cells as the header and a quantity: no more tests.
        if len(cells) != width or not cells[quantity]:
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
        chunk.append((reader.line_num, cells))
        if len(chunk) >= size:
            yield layout, chunk
            chunk = []
    if chunk:
        yield layout, chunk


# A sensor as the checks need it: its id and the quantities it is registered for.
_Target = tuple[int, frozenset[str]]


def _devices() -> dict[str, _Target]:
    """Every registered sensor by device id, read once before the file.

    Looking devices up chunk by chunk would make each lookup wait for the
    chunk still being stored, and the reading and storing would no longer
    overlap; a network's sensors fit in memory many times over.
    """
    return {
        external_id: (pk, frozenset(quantities))
        for external_id, pk, quantities in Sensor.objects.values_list(
            "external_id", "pk", "quantities"
        ).iterator(chunk_size=10_000)
    }


def _check(
    chunk: list[_Row],
    layout: _Layout,
    *,
    sensor: Sensor | None,
    devices: dict[str, _Target],
    checks: ReadingChecks,
    errors: _Errors,
) -> tuple[list[int], list[str], list, list[float]]:
    """The chunk's good rows as columns (sensor ids, quantities, times, values).

    Every row goes through the API's checks (ReadingChecks); problems go to `errors`.
    """
    sensor_ids: list[int] = []
    quantities: list[str] = []
    times: list = []
    values: list[float] = []
    device_column = layout.device_id
    q_column, t_column, v_column = layout.quantity, layout.observed_at, layout.value
    decimal_comma = layout.decimal_comma
    chosen = (sensor.pk, frozenset(sensor.quantities)) if sensor is not None else None
    reading = checks.reading
    for line, cells in chunk:
        device = cells[device_column].strip() if device_column is not None else ""
        if chosen is not None:
            if device and device != sensor.external_id:
                errors.add(
                    line,
                    "device_id",
                    _("This row belongs to device %(row)s, not to the chosen sensor %(chosen)s.")
                    % {"row": device, "chosen": sensor.external_id},
                )
                continue
            target = chosen
        elif not device:
            errors.add(line, "device_id", _("Give the device id."))
            continue
        else:
            target = devices.get(device)
            if target is None:
                errors.add(
                    line,
                    "device_id",
                    _("No sensor is registered with device id %(id)s.") % {"id": device},
                )
                continue
        try:
            quantity, moment, value = reading(
                cells[q_column].strip(),
                cells[t_column],
                _value(cells[v_column], decimal_comma),
                target[1],
            )
        except RecordRejected as rejected:
            for column, messages in rejected.errors.items():
                for message in messages:
                    errors.add(line, column, message)
            continue
        sensor_ids.append(target[0])
        quantities.append(quantity)
        times.append(moment)
        values.append(value)
    return sensor_ids, quantities, times, values


def _size(file) -> int | None:
    """The file's size in bytes (characters for a text file), if it can be told."""
    size = getattr(file, "size", None)  # Django's uploaded files
    if isinstance(size, int):
        return size
    try:
        return os.fstat(file.fileno()).st_size
    except (AttributeError, OSError, ValueError):
        pass
    try:
        here = file.tell()
        end = file.seek(0, os.SEEK_END)
        file.seek(here)
        return end
    except (AttributeError, OSError, ValueError):
        return None


def _position(file) -> int | None:
    try:
        return file.tell()
    except (AttributeError, OSError, ValueError):
        return None


@contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cycle collector while a file is read.

    A file's rows are millions of small lists and tuples without a reference
    cycle among them; the collector kept walking the ones alive in a chunk and
    took more time than reading and checking them (3 of 5 µs a row, measured
    for bench/csv_import.py). Reference counting still frees every row.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def readings_import_csv(
    *,
    file,
    sensor: Sensor | None = None,
    progress: Progress | None = None,
) -> CsvImportResult:
    """Check every row of a CSV file of readings and store them all in one transaction.

    `file` is a path or an open file (binary or text). Raises CsvImportRejected
    naming line, column and reason of each bad row; then nothing was written.
    `progress(rows_read, share_read)` is called after each chunk; `share_read`
    runs from 0 to 1 through the file (None when its size cannot be told).
    """
    if isinstance(file, str | os.PathLike):
        with open(file, "rb") as opened:
            return readings_import_csv(file=opened, sensor=sensor, progress=progress)
    with _without_cycle_collection():
        return _import(file, sensor=sensor, progress=progress)


def _import(file, *, sensor: Sensor | None, progress: Progress | None) -> CsvImportResult:
    devices = _devices() if sensor is None else {}
    errors = _Errors()
    checks = ReadingChecks()
    start, size = _position(file) or 0, _size(file)
    total = 0
    with transaction.atomic(), readings_pipeline() as pipeline:
        for layout, chunk in _chunks(file, sensor=sensor, errors=errors):
            total += len(chunk)
            columns = _check(
                chunk, layout, sensor=sensor, devices=devices, checks=checks, errors=errors
            )
            if not errors.count:  # after a bad row only checking goes on
                pipeline.send(*columns)
            if progress is not None:
                position = _position(file)
                share = None
                if size and position is not None:
                    share = min(1.0, (position - start) / max(1, size - start))
                progress(total, share)
        if not errors.count and not total:
            errors.add(2, "", _("The file holds no readings below its header."))
        if errors.count:
            raise errors.rejection()  # rolls back whatever was sent
    return CsvImportResult(received=total, stored=pipeline.stored)

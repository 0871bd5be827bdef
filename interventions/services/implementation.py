"""Implementation: dates, progress, milestones and the all-or-nothing CSV progress update."""

from __future__ import annotations

import csv
import io
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from civic import workflow
from civic.models import User
from civic.photos import photo_clean
from civic.roles import is_staff_member
from interventions.models import (
    Intervention,
    Milestone,
)
from interventions.selectors import (
    MILESTONE_STATUSES,
)

S = Intervention.Status

# --- Implementation: dates, progress, milestones, the CSV progress update ---------------------

IMPLEMENTATION_FIELDS = ("progress", "planned_start", "planned_end", "actual_start")
# Progress and dates are kept while the works are agreed or going on.
UPDATABLE = (S.AGREED, S.IN_PROGRESS)
# The actual start can be corrected once the works started, also after they were completed:
# the evaluation leaves the works period out, so a wrong start would skew its windows.
START_CORRECTABLE = (S.IN_PROGRESS, S.COMPLETED)
STEPS = (S.IN_PROGRESS, S.COMPLETED, S.CANCELLED)


def _officer(actor: User) -> None:
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only officers follow the implementation of interventions."))


def _clean_progress(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 100:
        raise ValidationError({"progress": _("Give the progress as a whole number from 0 to 100.")})
    return value


def _implementation_errors(locked: Intervention, values: dict[str, Any]) -> dict[str, list[str]]:
    """What is wrong with these values for this intervention (each problem under its field)."""
    errors: dict[str, list[str]] = {}
    unknown = set(values) - set(IMPLEMENTATION_FIELDS)
    for name in sorted(unknown):
        errors[name] = [_("This field cannot be changed.")]
    if "progress" in values:
        try:
            _clean_progress(values["progress"])
        except ValidationError as error:
            errors.update(error.message_dict)
    for name in ("planned_start", "planned_end", "actual_start"):
        if name in values and values[name] is not None and not isinstance(values[name], date):
            errors[name] = [_("Give a date (YYYY-MM-DD).")]
    if errors:
        return errors
    merged = {name: getattr(locked, name) for name in ("planned_start", "planned_end")}
    merged.update({k: v for k, v in values.items() if k in merged})
    start, end = merged["planned_start"], merged["planned_end"]
    if start and end and end < start:
        errors["planned_end"] = [_("The planned end cannot lie before the planned start.")]
    start = values.get("actual_start")
    if "actual_start" in values and start is None:
        errors["actual_start"] = [_("Give the day the works started (YYYY-MM-DD).")]
    elif start and start > timezone.localdate():
        errors["actual_start"] = [_("The works cannot have started in the future.")]
    elif start and locked.actual_end and start > locked.actual_end:
        errors["actual_start"] = [
            _("The works cannot have started after they were completed (%(end)s).")
            % {"end": date_format(locked.actual_end, "DATE_FORMAT")}
        ]
    if "actual_start" in values and locked.status not in START_CORRECTABLE:
        errors["actual_start"] = [_("The actual start is kept once the works are in progress.")]
    # Completed works: only their start can still be corrected.
    only_start = locked.status == S.COMPLETED and set(values) <= {"actual_start"}
    if locked.status not in UPDATABLE and not only_start:
        errors["intervention"] = [
            _(
                "Progress is kept for agreed interventions and works in progress "
                "(this one is %(state)s)."
            )
            % {"state": locked.get_status_display()}
        ]
    return errors


def implementation_update(
    *, intervention: Intervention, actor: User, **values: Any
) -> Intervention:
    """An officer sets the progress (0 to 100) and the planned (or actual start) dates."""
    _officer(actor)
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        if errors := _implementation_errors(locked, values):
            raise ValidationError(errors)
        moved = _start_moved(locked, values)
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*values, "updated_at"])
        if moved:
            _queue_reevaluation(locked.pk)
    return locked


def _start_moved(locked: Intervention, values: dict[str, Any]) -> bool:
    """Whether this update moves the start of works already completed (and measured)."""
    return locked.status == S.COMPLETED and values.get("actual_start", locked.actual_start) != (
        locked.actual_start
    )


def _queue_reevaluation(pk: int) -> None:
    # The works period moved: measure again after the commit (a new run is kept, the old
    # one too). Imported here: the tasks module imports this package.
    from interventions.tasks import evaluate_after_commit

    evaluate_after_commit(pk)


def milestone_add(
    *,
    intervention: Intervention,
    actor: User,
    date: date,
    title: str,
    description: str = "",
    photo=None,
) -> Milestone:
    """An officer records a milestone of agreed, ongoing or completed works; photos lose EXIF."""
    _officer(actor)
    errors: dict[str, list[str]] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("This field is required.")]
    elif len(title) > 200:
        errors["title"] = [_("At most %(count)s characters.") % {"count": 200}]
    description = (description or "").strip()
    if len(description) > 5000:
        errors["description"] = [_("At most %(count)s characters.") % {"count": 5000}]
    if not isinstance(date, type(timezone.localdate())):
        errors["date"] = [_("Give a date (YYYY-MM-DD).")]
    cleaned_photo = None
    if photo:
        try:
            cleaned_photo = photo_clean(photo)
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        if locked.status not in MILESTONE_STATUSES:
            raise ValidationError(
                {
                    "intervention": _(
                        "Milestones are kept for agreed, ongoing or completed interventions "
                        "(this one is %(state)s)."
                    )
                    % {"state": locked.get_status_display()}
                }
            )
        milestone = Milestone(
            intervention=locked,
            date=date,
            title=title,
            description=description,
            created_by=actor,
        )
        if cleaned_photo is not None:
            milestone.photo.save("photo.jpg", cleaned_photo, save=False)
        milestone.save()
    return milestone


CSV_MAX_BYTES = 1024 * 1024
CSV_MAX_ROWS = 5000
CSV_COLUMNS = ("id", "progress", "step", "planned_start", "planned_end", "actual_start", "note")


def _csv_date(raw: str) -> date:
    return date.fromisoformat(raw)


def _csv_rows(content: bytes) -> list[tuple[int, dict[str, str]]]:
    """The rows of the file with their line number (the header is line 1)."""
    if len(content) > CSV_MAX_BYTES:
        raise ValidationError(
            {"file": _("The file is larger than %(kb)d kB.") % {"kb": CSV_MAX_BYTES // 1024}}
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValidationError({"file": _("Save the file as UTF-8 text (CSV).")}) from None
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if "id" not in header:
        raise ValidationError(
            {
                "file": _("The first line names the columns, at least id; known: %(columns)s.")
                % {"columns": ", ".join(CSV_COLUMNS)}
            }
        )
    unknown = [name for name in header if name and name not in CSV_COLUMNS]
    if unknown:
        raise ValidationError(
            {
                "file": _("Unknown columns: %(unknown)s (known: %(columns)s).")
                % {"unknown": ", ".join(unknown), "columns": ", ".join(CSV_COLUMNS)}
            }
        )
    reader.fieldnames = header
    rows = []
    for row in reader:
        if len(rows) >= CSV_MAX_ROWS:
            raise ValidationError(
                {"file": _("The file holds more than %(n)d rows; split it.") % {"n": CSV_MAX_ROWS}}
            )
        values = {k: (v or "").strip() for k, v in row.items() if k}
        if any(values.values()):
            rows.append((reader.line_num, values))
    if not rows:
        raise ValidationError({"file": _("The file holds no rows.")})
    return rows


def _row_problem(line: int, field: str, message: str) -> str:
    return _("Line %(line)d, %(field)s: %(message)s") % {
        "line": line,
        "field": field,
        "message": message,
    }


def _csv_step(
    intervention: Intervention, line: int, step: str, note: str, actor: User, problems: list[str]
) -> bool:
    """One row's workflow step; a refusal becomes a named problem of that line."""
    try:
        workflow.transition(intervention, step, actor=actor, note=note)
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            name = "step" if field in ("to", "__all__") else field
            problems.extend(_row_problem(line, name, m) for m in messages)
        return False
    except PermissionDenied as error:
        problems.append(_row_problem(line, "step", str(error)))
        return False
    intervention.refresh_from_db()
    return True


def progress_csv_apply(*, actor: User, content: bytes) -> int:
    """Officers update many interventions at once from a CSV file: all rows or none.

    Columns: id (required), progress, step (in_progress, completed or cancelled),
    planned_start, planned_end, actual_start (YYYY-MM-DD), note (the step's note; a
    cancellation needs one, and its reason is public). Every bad row is named by
    line and field; if there is one, nothing is written. Returns the rows applied.
    """
    _officer(actor)
    rows = _csv_rows(content)
    problems: list[str] = []
    parsed: list[tuple[int, int, dict[str, Any], str, str]] = []
    seen: dict[int, int] = {}
    for line, row in rows:
        values: dict[str, Any] = {}
        try:
            pk = int(row.get("id", ""))
        except ValueError:
            problems.append(_row_problem(line, "id", _("Give the intervention's number.")))
            continue
        if pk in seen:
            problems.append(
                _row_problem(line, "id", _("Also on line %(line)d.") % {"line": seen[pk]})
            )
            continue
        seen[pk] = line
        if row.get("progress"):
            try:
                values["progress"] = int(row["progress"])
            except ValueError:
                values["progress"] = row["progress"]  # named below
        for name in ("planned_start", "planned_end", "actual_start"):
            if row.get(name):
                try:
                    values[name] = _csv_date(row[name])
                except ValueError:
                    problems.append(_row_problem(line, name, _("Give a date (YYYY-MM-DD).")))
        step = row.get("step", "")
        if step and step not in STEPS:
            problems.append(
                _row_problem(line, "step", _("One of: %(steps)s.") % {"steps": ", ".join(STEPS)})
            )
            continue
        parsed.append((line, pk, values, step, row.get("note", "")))
    with transaction.atomic():
        found = Intervention.objects.select_for_update(no_key=True).in_bulk(
            [pk for _line, pk, *_rest in parsed]
        )
        for line, pk, values, step, note in parsed:
            intervention = found.get(pk)
            if intervention is None:
                problems.append(_row_problem(line, "id", _("No intervention with this number.")))
                continue
            # Starting the works comes before the row's values (the actual start is kept
            # once they are in progress); completing or cancelling after them.
            if step == S.IN_PROGRESS and not _csv_step(
                intervention, line, step, note, actor, problems
            ):
                continue
            if values:
                if errors := _implementation_errors(intervention, values):
                    for field, messages in errors.items():
                        problems.extend(_row_problem(line, field, m) for m in messages)
                    continue
                moved = _start_moved(intervention, values)
                for name, value in values.items():
                    setattr(intervention, name, value)
                intervention.save(update_fields=[*values, "updated_at"])
                if moved:
                    _queue_reevaluation(intervention.pk)
            if step and step != S.IN_PROGRESS:
                _csv_step(intervention, line, step, note, actor, problems)
        if problems:
            # Rolls back every row already applied (and their notifications, queued on commit).
            raise ValidationError({"rows": problems})
    return len(parsed)

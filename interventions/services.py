"""Writes of interventions: proposals, supports, comments, reports, moderation and decisions.

Every status change goes through civic.workflow.transition(); every refusal is
a ValidationError naming the field (400) or a PermissionDenied (403), raised
before anything is written or inside the one transaction that rolls back.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import workflow
from civic.models import Challenge, User, WorkflowEvent
from civic.photos import photo_clean
from civic.roles import COUNCIL, RESIDENT, is_staff_member, user_has_role
from interventions.models import (
    Comment,
    CommentReport,
    Decision,
    Intervention,
    Milestone,
    Support,
)
from interventions.selectors import (
    MILESTONE_STATUSES,
    consultation_is_open,
    decides_for_the_council,
)

S = Intervention.Status
PUBLIC_CHALLENGE = (Challenge.Status.OPEN, Challenge.Status.PRIORITISED)
EDITABLE_FIELDS = ("kind", "title", "description", "site", "cost_estimate", "expected_effect")


def reports_to_hide() -> int:
    """How many reports hide a comment pending moderation (INTERVENTIONS_REPORTS_TO_HIDE)."""
    return int(getattr(settings, "INTERVENTIONS_REPORTS_TO_HIDE", 3))


def _clean_fields(values: dict[str, Any]) -> dict[str, Any]:
    """The model's own checks for the fields given (choices, lengths, ≥ 0), naming each field."""
    errors: dict[str, list[str]] = {}
    cleaned = {}
    for name, value in values.items():
        field = Intervention._meta.get_field(name)
        if name == "site":
            if value is not None and not isinstance(value, GEOSGeometry):
                errors[name] = [_("Give the site as a point or an area.")]
                continue
            if value is not None and value.geom_type not in ("Point", "Polygon", "MultiPolygon"):
                errors[name] = [_("The site is a point or an area (polygon).")]
                continue
            if value is not None and value.srid not in (None, 4326):
                value = value.transform(4326, clone=True)
            cleaned[name] = value
            continue
        if name in ("title", "description") and not str(value or "").strip():
            errors[name] = [_("This field is required.")]
            continue
        limit = getattr(field, "max_length", None)
        if limit and isinstance(value, str) and len(value) > limit:
            errors[name] = [_("At most %(count)s characters.") % {"count": limit}]
            continue
        if name == "cost_estimate" and value is not None and not isinstance(value, Decimal):
            try:
                value = Decimal(str(value))
            except ArithmeticError:
                errors[name] = [_("Give an amount in euros.")]
                continue
        try:
            cleaned[name] = field.clean(value, None)
        except ValidationError as error:
            errors[name] = error.messages
    if errors:
        raise ValidationError(errors)
    return cleaned


def intervention_create(
    *,
    actor: User,
    challenge: Challenge,
    kind: str,
    title: str,
    description: str,
    site: GEOSGeometry | None = None,
    cost_estimate: Decimal | None = None,
    expected_effect: str = "",
) -> Intervention:
    """Propose an intervention for a public challenge.

    A resident's proposal starts as *proposed* and waits for an officer's review;
    an officer's starts *under review* (it is the municipality's own). Council
    members decide on proposals and make none.
    """
    staff = is_staff_member(actor)
    if not (staff or user_has_role(actor, RESIDENT)):
        raise PermissionDenied(_("Only residents and officers propose interventions."))
    if challenge.status not in PUBLIC_CHALLENGE:
        raise ValidationError(
            {"challenge": _("Proposals are made for open or prioritised challenges only.")}
        )
    fields = _clean_fields(
        {
            "kind": kind,
            "title": title,
            "description": description,
            "site": site,
            "cost_estimate": cost_estimate,
            "expected_effect": expected_effect or "",
        }
    )
    role = Intervention.ProposerRole
    with transaction.atomic():
        intervention = Intervention.objects.create(
            challenge=challenge,
            proposer=actor,
            proposer_role=role.OFFICER if staff else role.RESIDENT,
            status=S.UNDER_REVIEW if staff else S.PROPOSED,
            **fields,
        )
        workflow.record_creation(intervention, actor=actor)
    return intervention


def intervention_update(*, intervention: Intervention, actor: User, **values: Any) -> Intervention:
    """Edit a proposal: its resident proposer while proposed; officers until consultation.

    Council members never edit proposals; nobody edits one in consultation or after.
    """
    unknown = set(values) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be changed.") for name in unknown})
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        if is_staff_member(actor):
            if locked.status not in (S.PROPOSED, S.UNDER_REVIEW):
                raise ValidationError(
                    {"status": _("A proposal can be edited only before its consultation.")}
                )
        elif locked.proposer_id == actor.pk and user_has_role(actor, RESIDENT):
            if locked.status != S.PROPOSED:
                raise ValidationError(
                    {"status": _("You can edit your proposal only until an officer reviews it.")}
                )
        else:
            raise PermissionDenied(_("You may not edit this proposal."))
        fields = _clean_fields(values)
        for name, value in fields.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*fields, "updated_at"])
    return locked


def _open_for(intervention: Intervention, field: str) -> None:
    if not consultation_is_open(intervention):
        raise ValidationError({field: _("The consultation on this proposal is not open.")})


def support_add(*, intervention: Intervention, actor: User) -> Support:
    """A signed-in resident supports a proposal in consultation, once."""
    if not user_has_role(actor, RESIDENT):
        raise PermissionDenied(_("Only residents support proposals."))
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        _open_for(locked, "support")
        if Support.objects.filter(intervention=locked, user=actor).exists():
            raise ValidationError({"support": _("You already support this proposal.")})
        try:
            with transaction.atomic():
                return Support.objects.create(intervention=locked, user=actor)
        except IntegrityError:  # a double click raced past the check
            raise ValidationError({"support": _("You already support this proposal.")}) from None


def support_remove(*, intervention: Intervention, actor: User) -> None:
    """Take a support back, while the consultation is open."""
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        _open_for(locked, "support")
        deleted, _rows = Support.objects.filter(intervention=locked, user=actor).delete()
        if not deleted:
            raise ValidationError({"support": _("You do not support this proposal.")})


def comment_create(
    *, intervention: Intervention, actor: User, text: str, reply_to: Comment | None = None
) -> Comment:
    """A resident comments, or an officer answers officially, while the consultation is open."""
    staff = is_staff_member(actor)
    if not (staff or user_has_role(actor, RESIDENT)):
        raise PermissionDenied(_("Only residents comment; officers answer officially."))
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write a comment.")})
    if len(text) > 5000:
        raise ValidationError({"text": _("At most 5000 characters.")})
    if reply_to is not None and reply_to.intervention_id != intervention.pk:
        raise ValidationError({"reply_to": _("Answer a comment on this proposal.")})
    if reply_to is not None and not staff:
        raise ValidationError({"reply_to": _("Only officers answer a comment.")})
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        _open_for(locked, "text")
        return Comment.objects.create(
            intervention=locked, author=actor, text=text, is_official=staff, reply_to=reply_to
        )


def _last_restored_at(comment: Comment):
    event = (
        WorkflowEvent.objects.filter(
            content_type__app_label="interventions",
            content_type__model="comment",
            object_id=comment.pk,
            to_state=Comment.Status.VISIBLE,
        )
        .order_by("-at")
        .first()
    )
    return event.at if event else None


def comment_report(*, comment: Comment, actor: User, reason: str) -> CommentReport:
    """A resident reports a visible comment; enough reports hide it pending moderation.

    Reports made before an officer restored the comment were judged then: only
    later ones count towards hiding it again.
    """
    if not user_has_role(actor, RESIDENT):
        raise PermissionDenied(_("Only residents report comments."))
    if reason not in CommentReport.Reason.values:
        raise ValidationError(
            {
                "reason": _("Choose a reason: %(reasons)s.")
                % {"reasons": ", ".join(CommentReport.Reason.values)}
            }
        )
    with transaction.atomic():
        locked = Comment.objects.select_for_update(no_key=True).get(pk=comment.pk)
        if locked.author_id == actor.pk:
            raise ValidationError({"comment": _("You cannot report your own comment.")})
        if locked.status != Comment.Status.VISIBLE:
            raise ValidationError({"comment": _("This comment is already with the moderators.")})
        if CommentReport.objects.filter(comment=locked, reporter=actor).exists():
            raise ValidationError({"comment": _("You already reported this comment.")})
        report = CommentReport.objects.create(comment=locked, reporter=actor, reason=reason)
        counted = CommentReport.objects.filter(comment=locked)
        if restored_at := _last_restored_at(locked):
            counted = counted.filter(created_at__gt=restored_at)
        if counted.count() >= reports_to_hide():
            # No note: the author's message says why, in their own language.
            workflow.transition(locked, Comment.Status.HIDDEN, actor=None)
        return report


def comment_moderate(*, comment: Comment, actor: User, to: str, note: str) -> WorkflowEvent:
    """An officer restores or removes a comment, with a note its author reads."""
    return workflow.transition(comment, to, actor=actor, note=note)


def decision_record(
    *,
    intervention: Intervention,
    actor: User,
    outcome: str,
    decided_on: date,
    motivation: str,
    meeting_reference: str,
    votes_for: int,
    votes_against: int,
    votes_abstaining: int,
) -> Decision:
    """A council member records the decision; the proposal moves to its outcome atomically.

    Not awaiting a decision: 400; not a council member, or also an officer or administrator:
    403; nothing written either way.
    """
    if not user_has_role(actor, COUNCIL):
        raise PermissionDenied(_("Only council members record decisions."))
    if not decides_for_the_council(actor):
        raise PermissionDenied(
            _("Officers and administrators do not record or reopen council decisions.")
        )
    errors: dict[str, list[str]] = {}
    if outcome not in Decision.Outcome.values:
        errors["outcome"] = [
            _("Choose an outcome: %(outcomes)s.") % {"outcomes": ", ".join(Decision.Outcome.values)}
        ]
    if not isinstance(decided_on, date):
        errors["decided_on"] = [_("Give the date of the decision.")]
    elif decided_on > timezone.localdate():
        errors["decided_on"] = [_("A decision cannot be dated in the future.")]
    if not (motivation or "").strip():
        errors["motivation"] = [_("Give the council's motivation.")]
    if not (meeting_reference or "").strip():
        errors["meeting_reference"] = [_("Name the meeting (e.g. the council's agenda item).")]
    elif len(meeting_reference) > 200:
        errors["meeting_reference"] = [_("At most 200 characters.")]
    for name, value in (
        ("votes_for", votes_for),
        ("votes_against", votes_against),
        ("votes_abstaining", votes_abstaining),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[name] = [_("A number of votes, 0 or more.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Intervention.objects.select_for_update(no_key=True).get(pk=intervention.pk)
        if locked.status != S.AWAITING_DECISION:
            raise ValidationError(
                {
                    "intervention": _("This proposal is not awaiting a decision (it is %(state)s).")
                    % {"state": locked.get_status_display()}
                }
            )
        decision = Decision.objects.create(
            intervention=locked,
            outcome=outcome,
            decided_on=decided_on,
            motivation=motivation.strip(),
            meeting_reference=meeting_reference.strip(),
            votes_for=votes_for,
            votes_against=votes_against,
            votes_abstaining=votes_abstaining,
            recorded_by=actor,
        )
        event = workflow.transition(locked, outcome, actor=actor, note=motivation.strip())
        # The one field set after creation: which move the decision made (same transaction).
        Decision.objects.filter(pk=decision.pk).update(event=event)
        decision.event = event
    intervention.status = outcome
    return decision


def consultations_close_ended(*, today: date | None = None) -> int:
    """Move every proposal whose consultation's last day has passed to awaiting decision.

    The service's own move (no actor), one audit event each; returns how many moved.
    """
    today = today or timezone.localdate()
    ended = Intervention.objects.filter(status=S.IN_CONSULTATION, consultation_end__lt=today)
    return len(workflow.transition_many(ended, S.AWAITING_DECISION, actor=None))


# --- Implementation: dates, progress, milestones, the CSV progress update ---------------------

IMPLEMENTATION_FIELDS = ("progress", "planned_start", "planned_end", "actual_start")
# Progress and dates are kept while the works are agreed or going on.
UPDATABLE = (S.AGREED, S.IN_PROGRESS)
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
    if values.get("actual_start") and values["actual_start"] > timezone.localdate():
        errors["actual_start"] = [_("The works cannot have started in the future.")]
    if "actual_start" in values and locked.status != S.IN_PROGRESS:
        errors["actual_start"] = [_("The actual start is kept once the works are in progress.")]
    if locked.status not in UPDATABLE:
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
        for name, value in values.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*values, "updated_at"])
    return locked


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
                for name, value in values.items():
                    setattr(intervention, name, value)
                intervention.save(update_fields=[*values, "updated_at"])
            if step and step != S.IN_PROGRESS:
                _csv_step(intervention, line, step, note, actor, problems)
        if problems:
            # Rolls back every row already applied (and their notifications, queued on commit).
            raise ValidationError({"rows": problems})
    return len(parsed)

"""Writes of the surveys app: building surveys and handing out invitation codes.

Every function validates all of its input before writing anything, and
raises one ValidationError naming each bad field, question (by id) or
record; nothing partial is ever stored.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from civic.models import Area, Theme
from civic.roles import is_staff_member
from civic.workflow import record_creation
from surveys.models import Invitation, Option, Question, Survey
from surveys.selectors import area_covers

MAX_QUESTIONS = 100
MAX_OPTIONS = 50
MAX_CODES = 5000
# Unambiguous capitals and digits (no 0/O, 1/I/L): codes are typed from a letter.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def _require_staff(actor) -> None:
    if not is_staff_member(actor):
        raise PermissionDenied(_("Only policy officers build surveys."))


# ---------------------------------------------------------------- building


def _clean_dates(opens_at: datetime | None, closes_at: datetime | None) -> dict[str, list]:
    if opens_at and closes_at and closes_at <= opens_at:
        return {"closes_at": [_("Close the survey after it opens.")]}
    return {}


def survey_create(
    *,
    actor,
    title_nl: str,
    area: Area,
    title_en: str = "",
    intro_nl: str = "",
    intro_en: str = "",
    opens_at: datetime | None = None,
    closes_at: datetime | None = None,
) -> Survey:
    """A draft survey about an area (officers)."""
    _require_staff(actor)
    errors: dict[str, list] = {}
    if not (title_nl or "").strip():
        errors["title_nl"] = [_("Give the survey a Dutch title.")]
    if area is None:
        errors["area"] = [_("Choose the area the survey is about.")]
    errors.update(_clean_dates(opens_at, closes_at))
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        survey = Survey.objects.create(
            title_nl=title_nl.strip(),
            title_en=(title_en or "").strip(),
            intro_nl=intro_nl or "",
            intro_en=intro_en or "",
            area=area,
            opens_at=opens_at,
            closes_at=closes_at,
            created_by=actor,
        )
        record_creation(survey, actor=actor)
    return survey


SURVEY_FIELDS = ("title_nl", "title_en", "intro_nl", "intro_en", "opens_at", "closes_at", "area")


def survey_update(*, actor, survey: Survey, **changes: Any) -> Survey:
    """Change the texts or dates (allowed at any time; the questions are another matter).

    The area may change only while there are no responses: map answers were
    checked against it.
    """
    _require_staff(actor)
    unknown = sorted(set(changes) - set(SURVEY_FIELDS))
    if unknown:
        raise ValidationError({name: [_("This field cannot be changed here.")] for name in unknown})
    if "title_nl" in changes and not (changes["title_nl"] or "").strip():
        raise ValidationError({"title_nl": [_("Give the survey a Dutch title.")]})
    if "area" in changes and changes["area"] is None:
        raise ValidationError({"area": [_("Choose the area the survey is about.")]})
    errors = _clean_dates(
        changes.get("opens_at", survey.opens_at), changes.get("closes_at", survey.closes_at)
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if "area" in changes and changes["area"].pk != locked.area_id and locked.responses.exists():
            raise ValidationError(
                {"area": [_("This survey has responses; copy it to change its area.")]}
            )
        for name, value in changes.items():
            setattr(locked, name, value.strip() if isinstance(value, str) else value)
        locked.save()
    return locked


@dataclass(frozen=True)
class OptionSpec:
    label_nl: str
    label_en: str = ""
    theme: Theme | None = None


@dataclass(frozen=True)
class QuestionSpec:
    kind: str
    text_nl: str
    text_en: str = ""
    help_nl: str = ""
    help_en: str = ""
    required: bool = False
    min_value: float | None = None
    max_value: float | None = None
    theme: Theme | None = None
    options: tuple[OptionSpec, ...] = ()


def question_problems(spec: QuestionSpec) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    kinds = Question.Kind
    if spec.kind not in kinds.values:
        problems["kind"] = [_("Unknown kind; use one of %(k)s.") % {"k": ", ".join(kinds.values)}]
        return problems
    if not (spec.text_nl or "").strip():
        problems["text_nl"] = [_("Write the question in Dutch.")]
    if spec.kind in Question.CHOICE_KINDS:
        if len(spec.options) < 2:
            problems["options"] = [_("Give at least two options.")]
        elif len(spec.options) > MAX_OPTIONS:
            problems["options"] = [_("Give at most %(n)d options.") % {"n": MAX_OPTIONS}]
        elif any(not (o.label_nl or "").strip() for o in spec.options):
            problems["options"] = [_("Every option needs a Dutch label.")]
    elif spec.options:
        problems["options"] = [_("Only choice and ranking questions have options.")]
    if spec.kind == kinds.NUMBER:
        for name in ("min_value", "max_value"):
            value = getattr(spec, name)
            if value is not None and not math.isfinite(value):
                problems[name] = [_("Give a finite number.")]
        if (
            spec.min_value is not None
            and spec.max_value is not None
            and spec.max_value < spec.min_value
        ):
            problems["max_value"] = [_("The highest number is below the lowest.")]
    elif spec.min_value is not None or spec.max_value is not None:
        problems["min_value"] = [_("Only number questions have bounds.")]
    if spec.theme is not None and spec.kind != kinds.MAP_POINT:
        problems["theme"] = [_("Only map-point questions have a theme.")]
    return problems


def questions_replace(*, actor, survey: Survey, questions: list[QuestionSpec]) -> list[Question]:
    """Set the survey's questions (in this order), replacing the old ones.

    Refused once the survey has a response: answers must keep meaning what
    they meant. Officers copy the survey to change it.
    """
    _require_staff(actor)
    if len(questions) > MAX_QUESTIONS:
        raise ValidationError({"questions": [_("At most %(n)d questions.") % {"n": MAX_QUESTIONS}]})
    problems = {
        str(index): found
        for index, spec in enumerate(questions)
        if (found := question_problems(spec))
    }
    if problems:
        raise ValidationError(
            {
                "questions": [
                    f"#{i} {f}: {m}"
                    for i, fs in problems.items()
                    for f, ms in fs.items()
                    for m in ms
                ]
            }
        )
    with transaction.atomic():
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if locked.responses.exists():
            raise ValidationError(
                {"questions": [_("This survey has responses; copy it to change its questions.")]}
            )
        locked.questions.all().delete()
        created = []
        for position, spec in enumerate(questions, start=1):
            question = Question.objects.create(
                survey=locked,
                position=position,
                kind=spec.kind,
                text_nl=spec.text_nl.strip(),
                text_en=(spec.text_en or "").strip(),
                help_nl=spec.help_nl or "",
                help_en=spec.help_en or "",
                required=spec.required,
                min_value=spec.min_value,
                max_value=spec.max_value,
                theme=spec.theme,
            )
            Option.objects.bulk_create(
                Option(
                    question=question,
                    position=number,
                    label_nl=option.label_nl.strip(),
                    label_en=(option.label_en or "").strip(),
                    theme=option.theme,
                )
                for number, option in enumerate(spec.options, start=1)
            )
            created.append(question)
    return created


def survey_copy(*, actor, survey: Survey) -> Survey:
    """A new draft with the same texts, area, questions and options (not dates or answers)."""
    _require_staff(actor)
    with transaction.atomic():
        copy = Survey.objects.create(
            title_nl=survey.title_nl,
            title_en=survey.title_en,
            intro_nl=survey.intro_nl,
            intro_en=survey.intro_en,
            area=survey.area,
            copied_from=survey,
            created_by=actor,
        )
        record_creation(copy, actor=actor, note=f"copy of #{survey.pk}")
        for question in survey.questions.prefetch_related("options"):
            options = list(question.options.all())
            question.pk, question.survey = None, copy
            question.save()
            Option.objects.bulk_create(
                Option(
                    question=question,
                    position=o.position,
                    label_nl=o.label_nl,
                    label_en=o.label_en,
                    theme=o.theme,
                )
                for o in options
            )
    return copy


def invitations_generate(
    *, actor, survey: Survey, count: int, area: Area | None = None, batch: str = ""
) -> list[Invitation]:
    """A batch of single-use codes, e.g. one per address in a neighbourhood, for letters."""
    _require_staff(actor)
    if not isinstance(count, int) or not 1 <= count <= MAX_CODES:
        raise ValidationError({"count": [_("Ask for 1 to %(n)d codes.") % {"n": MAX_CODES}]})
    if area is not None and area.kind != Area.Kind.NEIGHBOURHOOD:
        raise ValidationError({"area": [_("Codes are handed out per neighbourhood.")]})
    if area is not None and not area_covers(
        area=survey.area, geometry=area.geometry.point_on_surface
    ):
        raise ValidationError({"area": [_("Choose a neighbourhood in the survey's area.")]})
    if survey.status == Survey.Status.ARCHIVED:
        raise ValidationError({"survey": [_("This survey is archived.")]})
    with transaction.atomic():
        codes: set[str] = set()
        while len(codes) < count:
            codes.add("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))
        # A clash with an earlier batch is astronomically rare; ignore_conflicts
        # plus a re-read keeps the batch whole without a retry loop.
        invitations = [
            Invitation(survey=survey, area=area, code=code, batch=batch[:100]) for code in codes
        ]
        Invitation.objects.bulk_create(invitations, ignore_conflicts=True)
        return list(Invitation.objects.filter(survey=survey, code__in=codes).order_by("code"))

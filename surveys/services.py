"""Writes of the surveys app: building surveys, invitation codes, and answering.

Every function validates all of its input before writing anything, and
raises one ValidationError naming each bad field, question (by id) or
record; nothing partial is ever stored.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry, Point, Polygon
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import services as civic_services
from civic.models import Area, Concern, Theme
from civic.roles import is_staff_member
from civic.workflow import record_creation, transition
from surveys.models import Answer, Invitation, Option, Question, Response, Survey

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
LIKERT = (1, 5)
MAX_QUESTIONS = 100
MAX_OPTIONS = 50
MAX_CODES = 5000
# Unambiguous capitals and digits (no 0/O, 1/I/L): codes are typed from a letter.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


class AnswersRejected(ValidationError):
    """Bad answers; `problems` maps question id → messages (the API answers it nested)."""

    def __init__(self, problems: dict[str, list[str]]):
        self.problems = problems
        super().__init__(
            {
                "answers": [
                    f"{question}: {message}"
                    for question, messages in problems.items()
                    for message in messages
                ]
            }
        )


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
    if area is not None and not _inside(area.geometry.point_on_surface, survey.area):
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


def code_normalise(raw: str) -> str:
    """What a resident types (spaces, dashes, lower case) to the stored form."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def client_hash(ip: str | None) -> str:
    """A keyed hash of the client address: floods can be spotted, no IP is stored."""
    if not ip:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


# ---------------------------------------------------------------- answering


def _inside(geometry: GEOSGeometry, area: Area) -> bool:
    return Area.objects.filter(pk=area.pk, geometry__covers=geometry).exists()


def _refuse_nul(text: str) -> None:
    # PostgreSQL refuses NUL in text: without this check the save fails with a 500.
    if "\x00" in text:
        raise ValueError(_("Remove the null character (U+0000) from the text."))


def _clean_answer(question: Question, raw: Any, survey: Survey) -> dict[str, Any] | None:
    """The answer's fields, None for no answer, or ValueError with the reason."""
    kinds = Question.Kind
    if raw is None or raw == "" or raw == []:
        return None
    kind = question.kind
    if kind in (kinds.SHORT_TEXT, kinds.LONG_TEXT):
        if not isinstance(raw, str):
            raise ValueError(_("Give text."))
        _refuse_nul(raw)
        text = raw.strip()
        limit = SHORT_TEXT_MAX if kind == kinds.SHORT_TEXT else LONG_TEXT_MAX
        if len(text) > limit:
            raise ValueError(_("Use at most %(n)d characters.") % {"n": limit})
        return {"text": text} if text else None
    if kind in Question.CHOICE_KINDS:
        known = {o.pk for o in question.options.all()}
        chosen = [raw] if kind == kinds.SINGLE_CHOICE else raw
        if not isinstance(chosen, list) or not all(
            isinstance(c, int) and not isinstance(c, bool) for c in chosen
        ):
            raise ValueError(_("Choose by option id."))
        if any(c not in known for c in chosen):
            raise ValueError(_("This option does not exist."))
        if len(set(chosen)) != len(chosen):
            raise ValueError(_("Choose each option once."))
        if kind == kinds.RANKING and set(chosen) != known:
            raise ValueError(_("Put every option in order."))
        return {"options": chosen}
    if kind == kinds.LIKERT:
        if not isinstance(raw, int) or isinstance(raw, bool) or not LIKERT[0] <= raw <= LIKERT[1]:
            raise ValueError(_("Choose 1 to 5."))
        return {"number": float(raw)}
    if kind == kinds.NUMBER:
        if isinstance(raw, bool) or not isinstance(raw, int | float):
            raise ValueError(_("Give a number."))
        try:
            # A huge JSON integer cannot become a float (OverflowError), like NaN and ±∞.
            if not math.isfinite(float(raw)):
                raise OverflowError
        except OverflowError:
            raise ValueError(_("Give a number.")) from None
        low, high = question.min_value, question.max_value
        if (low is not None and raw < low) or (high is not None and raw > high):
            raise ValueError(
                _("Give a number from %(low)s to %(high)s.")
                % {
                    "low": "…" if low is None else f"{low:g}",
                    "high": "…" if high is None else f"{high:g}",
                }
            )
        return {"number": float(raw)}
    if kind == kinds.MAP_POINT:
        geometry, text = (
            (raw.get("point"), raw.get("text", "")) if isinstance(raw, dict) else (raw, "")
        )
        if not isinstance(geometry, Point) or geometry.empty or not geometry.valid:
            raise ValueError(_("Put a point on the map."))
        if not isinstance(text, str) or len(text.strip()) > SHORT_TEXT_MAX * 5:
            raise ValueError(_("Use at most %(n)d characters.") % {"n": SHORT_TEXT_MAX * 5})
        _refuse_nul(text)
        point = Point(geometry.x, geometry.y, srid=geometry.srid or 4326)
        if point.srid != 4326:
            point.transform(4326)
        if not _inside(point, survey.area):
            raise ValueError(_("This point lies outside the survey's area."))
        return {"point": point, "text": text.strip()}
    if kind == kinds.MAP_AREA:
        if not isinstance(raw, Polygon) or raw.empty or not raw.valid:
            raise ValueError(_("Draw a valid area on the map."))
        polygon = Polygon(*[ring.coords for ring in raw], srid=raw.srid or 4326)
        if polygon.srid != 4326:
            polygon.transform(4326)
        if not _inside(polygon, survey.area):
            raise ValueError(_("This area lies (partly) outside the survey's area."))
        return {"polygon": polygon}
    raise ValueError(_("Unknown kind of question."))  # pragma: no cover - kinds are a fixed set


def answers_clean(*, survey: Survey, answers: dict) -> dict[Question, dict[str, Any]]:
    """Every answer checked against its question; one error per bad question, by id.

    `answers` maps question ids (int or str) to raw values: text, option
    id(s), a number, a GEOS Point (or {"point": Point, "text": "…"}) or
    Polygon.
    """
    if not isinstance(answers, dict):
        raise ValidationError({"answers": [_("Send the answers as an object by question id.")]})
    questions = {q.pk: q for q in survey.questions.prefetch_related("options")}
    problems: dict[str, list[str]] = {}
    by_id: dict[int, Any] = {}
    for key, raw in answers.items():
        try:
            qid = int(key)
        except (TypeError, ValueError):
            qid = None
        if qid not in questions:
            problems[str(key)] = [_("No such question in this survey.")]
        else:
            by_id[qid] = raw
    cleaned: dict[Question, dict[str, Any]] = {}
    for qid, question in questions.items():
        try:
            fields = _clean_answer(question, by_id.get(qid), survey)
        except ValueError as error:
            problems[str(qid)] = [str(error)]
            continue
        if fields is None:
            if question.required:
                problems[str(qid)] = [_("Answer this question.")]
        else:
            cleaned[question] = fields
    if problems:
        raise AnswersRejected(problems)
    return cleaned


def _respondent_area(survey: Survey, area: Area | None, cleaned: dict) -> Area | None:
    """Where the respondent lives: given, or the neighbourhood of their first map point."""
    if area is not None:
        return area
    for question, fields in sorted(cleaned.items(), key=lambda item: item[0].position):
        if question.kind == Question.Kind.MAP_POINT:
            return Area.objects.filter(
                kind=Area.Kind.NEIGHBOURHOOD, geometry__covers=fields["point"]
            ).first()
    return None


def _concern_for(answer: Answer, question: Question, survey: Survey, author) -> Concern:
    description = answer.text or question.text_nl
    return civic_services.concern_create(
        author=author,
        theme=question.theme,
        description=f"{description}\n\n({_('survey')}: {survey.title_nl})",
        location=answer.point,
        source=Concern.Source.SURVEY,
    )


def response_submit(
    *,
    survey: Survey,
    answers: dict,
    respondent=None,
    code: str | None = None,
    area: Area | None = None,
    consent_publish: bool = False,
    client_ip: str | None = None,
    now: datetime | None = None,
) -> Response:
    """Store (or, for a signed-in resident, replace) one response, all or nothing.

    A resident may change their answers until the survey closes; a code is
    used once. Two submissions at the same moment leave one response: the
    invitation row is locked, and the (survey, resident) pair is unique.
    Map-point answers of a question with a theme become concerns (source
    survey) when the respondent consented; an unchanged point keeps its concern.
    """
    signed_in = respondent is not None and getattr(respondent, "is_authenticated", False)
    if signed_in == bool(code):
        raise ValidationError({"code": [_("Answer either signed in or with an invitation code.")]})
    if not survey.is_accepting(now):
        raise ValidationError({"survey": [_("This survey is not open for answers.")]})
    if area is not None and not (
        area.kind == Area.Kind.NEIGHBOURHOOD
        and _inside(area.geometry.point_on_surface, survey.area)
    ):
        raise ValidationError({"area": [_("Choose a neighbourhood in the survey's area.")]})
    cleaned = answers_clean(survey=survey, answers=answers)

    with transaction.atomic():
        invitation = None
        if code:
            invitation = (
                Invitation.objects.select_for_update()
                .filter(survey=survey, code=code_normalise(code))
                .first()
            )
            if invitation is None:
                raise ValidationError({"code": [_("This code is not valid for this survey.")]})
            if invitation.used_at is not None:
                raise ValidationError({"code": [_("This code has been used already.")]})
            response = Response(survey=survey, invitation=invitation)
        else:
            response = _lock_or_create_for(survey, respondent)
        previous = (
            {a.question_id: a for a in response.answers.select_related("concern")}
            if response.pk
            else {}
        )
        response.area = (
            invitation.area
            if invitation and invitation.area
            else _respondent_area(survey, area, cleaned)
        )
        response.consent_publish = bool(consent_publish)
        response.client_hash = client_hash(client_ip) if invitation else ""
        response.save()
        if invitation:
            invitation.used_at = timezone.now()
            invitation.save(update_fields=["used_at"])
        response.answers.all().delete()
        author = respondent if signed_in else None
        kept: set[int | None] = set()
        for question, fields in cleaned.items():
            answer = Answer(response=response, question=question, **fields)
            # A theme retired while the survey runs makes no new concerns (concern_create
            # would refuse it, and the resident's whole response with it); the answer stays.
            if (
                question.kind == Question.Kind.MAP_POINT
                and question.theme
                and question.theme.is_active
                and consent_publish
            ):
                old = previous.get(question.pk)
                if (
                    old
                    and old.concern_id
                    and old.point
                    and old.point.equals_exact(answer.point, 1e-9)
                ):
                    answer.concern = old.concern
                else:
                    answer.concern = _concern_for(answer, question, survey, author)
            answer.save()
            kept.add(answer.concern_id)
        if signed_in:
            _withdraw_dropped_concerns(previous.values(), kept, respondent)
    return response


def _withdraw_dropped_concerns(old_answers, kept: set, respondent) -> None:
    """Concerns from map points the resident moved or no longer consents to publish.

    Still waiting for moderation: withdrawn (by the resident, in the history),
    so they are never published against the resident's current wish. Already
    published ones stay: the consent held when an officer published them.
    """
    for old in old_answers:
        concern = old.concern
        if concern is None or concern.pk in kept or concern.status != Concern.Status.SUBMITTED:
            continue
        transition(
            concern,
            Concern.Status.WITHDRAWN,
            actor=respondent,
            note=_("Changed or taken back in the survey."),
        )


def _lock_or_create_for(survey: Survey, respondent) -> Response:
    """The resident's response row, locked; created if new (a concurrent twin loses the race)."""
    existing = Response.objects.select_for_update().filter(survey=survey, respondent=respondent)
    response = existing.first()
    if response is not None:
        return response
    try:
        with transaction.atomic():
            return Response.objects.create(survey=survey, respondent=respondent)
    except IntegrityError:
        # Another request created it a moment ago: use (and lock) that one.
        return existing.get()

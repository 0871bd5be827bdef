"""Answering a survey: every answer checked against its question, then stored all or nothing.

One response per resident (changeable until the survey closes) or per
single-use invitation code; map points of a question with a theme become
concerns when the respondent consents. Errors name the question (by id) or
the field; nothing partial is ever stored.
"""

from __future__ import annotations

import hashlib
import hmac
import math
from datetime import datetime
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point, Polygon
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import services as civic_services
from civic.cells import cell_centre
from civic.models import Area, Concern
from civic.workflow import transition
from surveys.models import Answer, Invitation, Question, Response, Survey
from surveys.selectors import area_covers

SHORT_TEXT_MAX = 200
LONG_TEXT_MAX = 5000
LIKERT = (1, 5)


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


def code_normalise(raw: str) -> str:
    """What a resident types (spaces, dashes, lower case) to the stored form."""
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def client_hash(ip: str | None) -> str:
    """A keyed hash of the client address: floods can be spotted, no IP is stored."""
    if not ip:
        return ""
    return hmac.new(settings.SECRET_KEY.encode(), ip.encode(), hashlib.sha256).hexdigest()


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
        if not area_covers(area=survey.area, geometry=point):
            raise ValueError(_("This point lies outside the survey's area."))
        return {"point": point, "text": text.strip()}
    if kind == kinds.MAP_AREA:
        if not isinstance(raw, Polygon) or raw.empty or not raw.valid:
            raise ValueError(_("Draw a valid area on the map."))
        polygon = Polygon(*[ring.coords for ring in raw], srid=raw.srid or 4326)
        if polygon.srid != 4326:
            polygon.transform(4326)
        if not area_covers(area=survey.area, geometry=polygon):
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
    """Where the respondent lives: given, or the neighbourhood of their first map point.

    Of the point as it is published (the centre of its 100 m cell), never of the
    exact point: exports put this neighbourhood next to the published cell, and
    the exact point's could tell which side of a boundary the point lies on.
    """
    if area is not None:
        return area
    for question, fields in sorted(cleaned.items(), key=lambda item: item[0].position):
        if question.kind == Question.Kind.MAP_POINT:
            return Area.objects.filter(
                kind=Area.Kind.NEIGHBOURHOOD, geometry__covers=cell_centre(fields["point"])
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
        and area_covers(area=survey.area, geometry=area.geometry.point_on_surface)
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

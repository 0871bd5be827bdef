"""Read side of survey results: figures per question and per neighbourhood, suppressed.

Who sees what (results_visibility):

- policy officers and administrators: every survey's results at any time,
  drafts and open surveys included, and the text answers;
- council members: the aggregate results of open, closed and archived
  surveys, at any time, without text answers;
- the public (anonymous visitors and residents): the aggregate results of
  closed and archived surveys only. An open survey's running results are
  not shown to the people still answering it: they could steer the answers.
  A draft is not shown to anyone but officers (it does not exist for them: 404).

Text answers (short, long, and the remark with a map point) are free input
and may hold names, addresses or health details: they are shown to officers
only, on the results page and in the JSON API, and never appear in the public
results or in any export.

Suppression (the same for everyone, officers included, and in every output):
no figure about fewer than MIN_GROUP respondents is shown.

- A question answered by fewer than MIN_GROUP respondents shows no figures at
  all (its answer count reads "< 5").
- A count of 1 to MIN_GROUP - 1 respondents (an option, a Likert value, how
  often an option was ranked first, a neighbourhood) reads "< 5" and has no
  share and no per-1,000 figure. Zero is shown: "nobody" is about no one, and
  seeing who is not heard is the point.
- Complementary suppression: where counts add up to a total that is shown (a
  single choice, a Likert distribution, ranked first, the neighbourhoods plus
  "neighbourhood unknown"), a single small count could be worked out by
  subtraction. So the smallest other counts are hidden too (a dash) until the
  hidden counts together hold at least MIN_GROUP respondents. Known limit:
  figures that are each safe can still be combined by a determined reader (a
  Likert mean with its distribution); the rule closes plain subtractions only.
- Number questions show n, mean, median, minimum and maximum once at least
  MIN_GROUP respondents answered. The minimum and maximum are one answer each,
  but a bare number with no neighbourhood, date or name attached says nothing
  about who gave it (and the CSV export carries the numbers anyway).
- Map answers: see MAP RULE below.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import connection
from django.db.models.functions import Lower

from civic.cells import CELL_CENTRE_SQL
from civic.roles import COUNCIL, is_staff_member, user_has_role
from surveys.models import Answer, Question, Survey

MIN_GROUP = 5
LIKERT_VALUES = (1, 2, 3, 4, 5)
# A results page lists at most this many texts per question (officers).
TEXTS_LISTED = 1000

K = Question.Kind
TEXT_KINDS = frozenset({K.SHORT_TEXT, K.LONG_TEXT})
MAP_KINDS = frozenset({K.MAP_POINT, K.MAP_AREA})
# The map-point remark is free text as well: officers only.
KINDS_WITH_TEXT = frozenset({K.SHORT_TEXT, K.LONG_TEXT, K.MAP_POINT})

SMALL = "small"  # 1 to MIN_GROUP - 1 respondents: "< 5"
COMPLEMENTARY = "complementary"  # hidden so that a small count cannot be subtracted out
TOO_FEW_ANSWERS = "too_few_answers"  # the whole question has fewer than MIN_GROUP answers
SUPPRESSION_REASONS = (SMALL, COMPLEMENTARY, TOO_FEW_ANSWERS)
DASH = "\u2013"  # en dash: a count hidden for another reason than being small


class Visibility(enum.Enum):
    """How much of a survey's results someone may see."""

    HIDDEN = "hidden"  # a draft, for anyone but officers: answer 404
    NOT_YET = "not_yet"  # an open survey, for the public: answer 403
    AGGREGATES = "aggregates"  # figures, maps and exports; no text answers
    FULL = "full"  # with the text answers (officers)

    @property
    def allowed(self) -> bool:
        return self in (Visibility.AGGREGATES, Visibility.FULL)


def results_visibility(*, user, survey: Survey) -> Visibility:
    """What the user may see of the survey's results (see the module docstring)."""
    if is_staff_member(user):
        return Visibility.FULL
    status = Survey.Status
    if survey.status == status.DRAFT:
        return Visibility.HIDDEN
    if survey.status in (status.CLOSED, status.ARCHIVED):
        return Visibility.AGGREGATES
    if user_has_role(user, COUNCIL):
        return Visibility.AGGREGATES
    return Visibility.NOT_YET


# ---------------------------------------------------------------- figures


@dataclass(frozen=True)
class Figure:
    """A number of respondents with its share of the question's respondents, or why not."""

    count: int | None
    share: float | None = None  # 0-1
    suppressed: str | None = None  # one of SUPPRESSION_REASONS

    @property
    def display(self) -> str:
        if self.suppressed == SMALL:
            return f"< {MIN_GROUP}"
        if self.suppressed:
            return DASH
        return str(self.count)

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)

    @property
    def shown(self) -> bool:
        return self.suppressed is None


def _reasons(counts: Sequence[int]) -> list[str | None]:
    """Per count of a partition: None (shown), SMALL or COMPLEMENTARY.

    Small counts (1-4) are hidden; then, while the hidden counts together hold
    fewer than MIN_GROUP respondents, the smallest shown non-zero count is
    hidden too, so no hidden count follows from the total by subtraction.
    """
    reasons: list[str | None] = [SMALL if 0 < c < MIN_GROUP else None for c in counts]
    hidden = sum(c for c, r in zip(counts, reasons, strict=True) if r)
    while 0 < hidden < MIN_GROUP:
        candidates = [(c, i) for i, c in enumerate(counts) if reasons[i] is None and c > 0]
        if not candidates:
            break
        count, index = min(candidates)
        reasons[index] = COMPLEMENTARY
        hidden += count
    return reasons


def _figures(
    counts: Sequence[int], *, of: int, partition: bool, question_shown: bool = True
) -> list[Figure]:
    """Counts as figures with shares of `of`, suppressed; `partition`: they add up to `of`."""
    if not question_shown:
        return [Figure(None, None, TOO_FEW_ANSWERS) for _ in counts]
    reasons = (
        _reasons(counts) if partition else [SMALL if 0 < c < MIN_GROUP else None for c in counts]
    )
    return [
        Figure(c, round(c / of, 4) if of else None, None) if r is None else Figure(None, None, r)
        for c, r in zip(counts, reasons, strict=True)
    ]


def _answered(count: int) -> Figure:
    if 0 < count < MIN_GROUP:
        return Figure(None, None, SMALL)
    return Figure(count)


@dataclass(frozen=True)
class OptionResult:
    """One option: how often chosen (choices) or ranked first and its mean position (rankings)."""

    id: int
    label: str
    chosen: Figure | None = None
    ranked_first: Figure | None = None
    mean_position: float | None = None


@dataclass(frozen=True)
class LikertValue:
    value: int
    figure: Figure


@dataclass(frozen=True)
class NumberStats:
    n: int
    mean: float
    median: float
    minimum: float
    maximum: float


@dataclass(frozen=True)
class QuestionResult:
    """The figures of one question; `suppressed` when fewer than MIN_GROUP answered it."""

    id: int
    position: int
    kind: str
    kind_label: str
    text: str
    answered: Figure
    suppressed: bool
    options: list[OptionResult] = field(default_factory=list)
    likert: list[LikertValue] = field(default_factory=list)
    mean: float | None = None  # Likert
    number: NumberStats | None = None
    # Text answers (and map-point remarks): None when not for this reader (or none exist).
    texts: list[str] | None = None
    texts_total: int = 0
    # Map questions: how many answers the map and the exports show (MAP RULE).
    map_shown: int | None = None


@dataclass(frozen=True)
class NeighbourhoodResult:
    """Responses from one neighbourhood (where respondents live) against its population."""

    id: int
    code: str
    name: str
    population: int | None
    responses: Figure
    per_1000: float | None


@dataclass(frozen=True)
class SurveyResults:
    """All figures of a survey, suppressed; texts only when `texts_included`."""

    survey_id: int
    title: str
    status: str
    responses: Figure
    questions: list[QuestionResult]
    neighbourhoods: list[NeighbourhoodResult]
    unknown_neighbourhood: Figure
    texts_included: bool
    min_group: int = MIN_GROUP


# ---------------------------------------------------------------- SQL

# Per question of the survey: how many answered, and for Likert and number
# questions the mean, median, range and the count of each Likert value.
_QUESTION_STATS_SQL = """
    SELECT a.question_id,
           count(*) AS answered,
           avg(a.number) AS mean,
           percentile_cont(0.5) WITHIN GROUP (ORDER BY a.number) AS median,
           min(a.number) AS minimum,
           max(a.number) AS maximum,
           count(*) FILTER (WHERE a.number = 1) AS v1,
           count(*) FILTER (WHERE a.number = 2) AS v2,
           count(*) FILTER (WHERE a.number = 3) AS v3,
           count(*) FILTER (WHERE a.number = 4) AS v4,
           count(*) FILTER (WHERE a.number = 5) AS v5
    FROM surveys_answer a
    JOIN surveys_question q ON q.id = a.question_id
    WHERE q.survey_id = %(survey)s
    GROUP BY a.question_id
"""

# Per option of the choice and ranking questions: how many chose it, its mean
# position (1 = first) and how often it came first. The options array keeps a
# ranking's order, so WITH ORDINALITY is the position.
_OPTION_STATS_SQL = """
    SELECT a.question_id, o.option_id,
           count(*) AS chosen,
           avg(o.position) AS mean_position,
           count(*) FILTER (WHERE o.position = 1) AS first
    FROM surveys_answer a
    JOIN surveys_question q ON q.id = a.question_id
    CROSS JOIN LATERAL unnest(a.options) WITH ORDINALITY AS o(option_id, position)
    WHERE q.survey_id = %(survey)s
      AND q.kind IN ('single_choice', 'multiple_choice', 'ranking')
    GROUP BY a.question_id, o.option_id
"""

# Responses per neighbourhood of the survey's area (a neighbourhood belongs to
# it when its point-on-surface lies inside, as in surveys.services), plus any
# other neighbourhood respondents named, plus one row (id NULL) for responses
# whose neighbourhood is unknown.
_NEIGHBOURHOODS_SQL = """
    WITH counts AS (
        SELECT area_id, count(*) AS n
        FROM surveys_response
        WHERE survey_id = %(survey)s
        GROUP BY area_id
    ),
    hoods AS (
        SELECT n.id, n.code, n.name, n.population
        FROM civic_area n
        JOIN civic_area s ON s.id = %(area)s
        WHERE n.kind = 'neighbourhood'
          AND ST_Covers(s.geometry, ST_PointOnSurface(n.geometry))
        UNION
        SELECT n.id, n.code, n.name, n.population
        FROM civic_area n
        JOIN counts c ON c.area_id = n.id
    )
    SELECT h.id, h.code, h.name, h.population, COALESCE(c.n, 0) AS n
    FROM hoods h
    LEFT JOIN counts c ON c.area_id = h.id
    UNION ALL
    SELECT NULL, NULL, NULL, NULL, n FROM counts WHERE area_id IS NULL
"""

# MAP RULE — which map answers the map, the GeoJSON and the CSV show.
#
# 1. Only questions with at least MIN_GROUP answers in the survey.
# 2. A point is shown at the centre of its 100 m cell (civic.cells), never
#    exactly; a drawn area is shown as drawn.
# 3. Only answers in a neighbourhood (the one containing the shown point, or
#    the point-on-surface of a drawn area) where at least MIN_GROUP answers to
#    the same question lie. Residents often put their point on or by their own
#    house or garden: a lone point in a quiet neighbourhood, with the
#    neighbourhood's few respondents known to their neighbours, can point at
#    one household. Among five or more answers in the same neighbourhood no
#    single one stands out that way. Answers outside every neighbourhood
#    count as one group of their own.
#    The neighbourhood is that of the shown point, not of the exact one: a
#    cell may straddle a boundary, and a label (or a group) taken from the
#    exact point would tell which side of it the answer lies on.
# 4. A map answer carries its question and the neighbourhood its shown
#    geometry lies in — never the respondent, the response, the time, the
#    remark text or the respondent's own neighbourhood — and comes in spatial
#    order (geohash), never in the order of answering.
# The rule is the same for every reader: officers read single answers in the
# Django admin when they must.
MAP_PUBLISHED_CTE = (
    "\n    shown AS ("  # noqa: S608  (module constants only; values go in as parameters)
    + """
        -- the map and the exports show where it hurts, not which house; the
        -- cell is computed from the exact point, so repeated downloads reveal
        -- nothing more
        SELECT a.id, a.question_id,
               CASE WHEN a.point IS NOT NULL THEN """
    + CELL_CENTRE_SQL.format(point="a.point")
    + """ ELSE a.polygon END AS geometry
        FROM surveys_answer a
        JOIN surveys_question q ON q.id = a.question_id
        WHERE q.survey_id = %(survey)s
          AND q.kind IN ('map_point', 'map_area')
          AND (a.point IS NOT NULL OR a.polygon IS NOT NULL)
    ),
    located AS (
        SELECT s.id, s.question_id, s.geometry,
               (SELECT n.id FROM civic_area n
                WHERE n.kind = 'neighbourhood'
                  AND ST_Covers(n.geometry, ST_PointOnSurface(s.geometry))
                ORDER BY n.id LIMIT 1) AS place_id
        FROM shown s
    ),
    counted AS (
        SELECT l.*,
               count(*) OVER (PARTITION BY l.question_id) AS in_question,
               count(*) OVER (PARTITION BY l.question_id, l.place_id) AS in_place
        FROM located l
    ),
    published AS (
        SELECT c.id, c.question_id, c.place_id, c.geometry
        FROM counted c
        WHERE c.in_question >= %(min_group)s AND c.in_place >= %(min_group)s
    )
"""
)

# SQL below is composed only of module constants; values go in as parameters.
_MAP_COUNTS_SQL = (
    "WITH"  # noqa: S608
    + MAP_PUBLISHED_CTE
    + "SELECT question_id, count(*) FROM published GROUP BY question_id"
)

# The published map answers as GeoJSON geometries (6 decimals: about 0.1 m).
_MAP_FEATURES_SQL = (
    "WITH"  # noqa: S608
    + MAP_PUBLISHED_CTE
    + """
    SELECT p.question_id, n.code, ST_AsGeoJSON(p.geometry, 6)
    FROM published p
    JOIN surveys_question q ON q.id = p.question_id
    LEFT JOIN civic_area n ON n.id = p.place_id
    ORDER BY q.position, ST_GeoHash(ST_Envelope(p.geometry), 12)
    """
)


class _Stats(NamedTuple):
    """A row of _QUESTION_STATS_SQL."""

    question_id: int
    answered: int
    mean: float | None
    median: float | None
    minimum: float | None
    maximum: float | None
    v1: int
    v2: int
    v3: int
    v4: int
    v5: int

    @property
    def likert_counts(self) -> list[int]:
        return [self.v1, self.v2, self.v3, self.v4, self.v5]


class _OptionStats(NamedTuple):
    """A row of _OPTION_STATS_SQL, without the ids."""

    chosen: int
    mean_position: float | None
    first: int


_NO_OPTION_STATS = _OptionStats(0, None, 0)


def _rows(sql: str, params: dict) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def map_published_params(survey: Survey) -> dict:
    """Parameters of MAP_PUBLISHED_CTE (the CSV export reuses the CTE)."""
    return {"survey": survey.pk, "min_group": MIN_GROUP}


# ---------------------------------------------------------------- selectors


def _question_result(
    question: Question,
    stats: _Stats | None,
    option_stats: dict[int, _OptionStats],
    texts: list[str] | None,
    texts_total: int,
    map_shown: int | None,
) -> QuestionResult:
    answered = stats.answered if stats else 0
    shown = answered >= MIN_GROUP
    result = {
        "id": question.pk,
        "position": question.position,
        "kind": question.kind,
        "kind_label": question.get_kind_display(),
        "text": question.text,
        "answered": _answered(answered),
        "suppressed": not shown,
        "texts": texts,
        "texts_total": texts_total,
    }
    kind = question.kind
    if kind in (K.SINGLE_CHOICE, K.MULTIPLE_CHOICE):
        options = list(question.options.all())
        counts = [option_stats.get(o.pk, _NO_OPTION_STATS).chosen for o in options]
        figures = _figures(
            counts,
            of=answered,
            partition=kind == K.SINGLE_CHOICE,
            question_shown=shown,
        )
        result["options"] = [
            OptionResult(o.pk, o.label, chosen=f) for o, f in zip(options, figures, strict=True)
        ]
    elif kind == K.RANKING:
        options = list(question.options.all())
        firsts = [option_stats.get(o.pk, _NO_OPTION_STATS).first for o in options]
        figures = _figures(firsts, of=answered, partition=True, question_shown=shown)
        result["options"] = [
            OptionResult(
                o.pk,
                o.label,
                ranked_first=f,
                mean_position=(
                    round(float(option_stats[o.pk].mean_position), 2)
                    if shown and o.pk in option_stats
                    else None
                ),
            )
            for o, f in zip(options, figures, strict=True)
        ]
    elif kind == K.LIKERT:
        counts = stats.likert_counts if stats else [0] * len(LIKERT_VALUES)
        figures = _figures(counts, of=answered, partition=True, question_shown=shown)
        result["likert"] = [LikertValue(v, f) for v, f in zip(LIKERT_VALUES, figures, strict=True)]
        result["mean"] = round(stats.mean, 2) if shown else None
    elif kind == K.NUMBER and shown:
        result["number"] = NumberStats(
            n=stats.answered,
            mean=round(stats.mean, 2),
            median=round(stats.median, 2),
            minimum=stats.minimum,
            maximum=stats.maximum,
        )
    elif kind in MAP_KINDS:
        result["map_shown"] = map_shown or 0
    return QuestionResult(**result)


def _texts(survey: Survey) -> dict[int, list[str]]:
    """Text answers and map remarks per question, alphabetically (not in the order given)."""
    texts: dict[int, list[str]] = defaultdict(list)
    rows = (
        Answer.objects.filter(question__survey=survey, question__kind__in=KINDS_WITH_TEXT)
        .exclude(text="")
        .order_by("question_id", Lower("text"), "text")
        .values_list("question_id", "text")
    )
    for question_id, text in rows.iterator(chunk_size=2000):
        texts[question_id].append(text)
    return texts


def _neighbourhoods(survey: Survey) -> tuple[list[NeighbourhoodResult], Figure, Figure]:
    """Per neighbourhood, the unknown group and the total, suppressed as one partition."""
    rows = _rows(_NEIGHBOURHOODS_SQL, {"survey": survey.pk, "area": survey.area_id})
    known = sorted((r for r in rows if r[0] is not None), key=lambda r: (r[2], r[1]))
    unknown = sum(r[4] for r in rows if r[0] is None)
    total = sum(r[4] for r in rows)
    # With fewer than MIN_GROUP responses in all, every non-zero count is small.
    reasons = _reasons([r[4] for r in known] + [unknown])
    results = []
    for (pk, code, name, population, n), reason in zip(known, reasons[:-1], strict=True):
        shown = reason is None
        results.append(
            NeighbourhoodResult(
                id=pk,
                code=code,
                name=name,
                population=population,
                responses=Figure(n) if shown else Figure(None, None, reason),
                per_1000=round(n * 1000 / population, 1) if shown and population else None,
            )
        )
    unknown_figure = Figure(unknown) if reasons[-1] is None else Figure(None, None, reasons[-1])
    return results, unknown_figure, _answered(total)


def survey_results(*, survey: Survey, with_texts: bool) -> SurveyResults:
    """Every figure of the survey, suppressed; a fixed number of queries, however many answers.

    `with_texts` only for readers allowed to see text answers (officers:
    Visibility.FULL); check results_visibility first.
    """
    params = {"survey": survey.pk}
    questions = list(survey.questions.prefetch_related("options"))
    stats = {row[0]: _Stats(*row) for row in _rows(_QUESTION_STATS_SQL, params)}
    option_stats: dict[int, dict[int, _OptionStats]] = defaultdict(dict)
    for question_id, option_id, *figures in _rows(_OPTION_STATS_SQL, params):
        option_stats[question_id][option_id] = _OptionStats(*figures)
    map_counts = (
        dict(_rows(_MAP_COUNTS_SQL, map_published_params(survey)))
        if any(q.kind in MAP_KINDS for q in questions)
        else {}
    )
    texts = _texts(survey) if with_texts else {}
    neighbourhoods, unknown, total = _neighbourhoods(survey)
    return SurveyResults(
        survey_id=survey.pk,
        title=survey.title,
        status=survey.status,
        responses=total,
        questions=[
            _question_result(
                question,
                stats.get(question.pk),
                option_stats.get(question.pk, {}),
                texts=(
                    texts.get(question.pk, [])[:TEXTS_LISTED]
                    if with_texts and question.kind in KINDS_WITH_TEXT
                    else None
                ),
                texts_total=len(texts.get(question.pk, [])),
                map_shown=map_counts.get(question.pk),
            )
            for question in questions
        ],
        neighbourhoods=neighbourhoods,
        unknown_neighbourhood=unknown,
        texts_included=with_texts,
    )


@dataclass(frozen=True)
class MapAnswer:
    """A published map answer: its question, the neighbourhood it lies in, its geometry."""

    question_id: int
    neighbourhood: str | None
    geojson: str  # the geometry as GeoJSON text


def map_answers_published(*, survey: Survey) -> Iterator[MapAnswer]:
    """The map answers that MAP RULE lets through, streamed from a server-side cursor."""
    with connection.chunked_cursor() as cursor:
        cursor.execute(_MAP_FEATURES_SQL, map_published_params(survey))
        while chunk := cursor.fetchmany(2000):
            for question_id, code, geojson in chunk:
                yield MapAnswer(question_id, code, geojson)

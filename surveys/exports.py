"""Open-data exports of survey results: a CSV with one row per response, and map answers as GeoJSON.

Neither holds personal data. What the CSV has, and why:

- ``row``: a number in a random order, drawn anew for every download; never
  the response id, and not the order of answering.
- ``neighbourhood``: the official code of the respondent's neighbourhood
  (Response.area), only for neighbourhoods whose response count the results
  show (at least MIN_GROUP, after complementary suppression). Otherwise empty,
  as for an unknown neighbourhood, so small groups cannot be picked out.
- one column per question with at least MIN_GROUP answers, headed
  "<position>. <question>": a single choice as its label, a multiple choice
  as labels joined by " | ", a ranking as "first > second > third", a Likert
  answer as 1-5, a number as a number, a map answer as WKT (WGS84 lon/lat, 6
  decimals) when MAP RULE (surveys.results) lets it through. A choice or
  Likert value whose count the results hide ("< 5" or a dash) is left empty, so
  the file cannot count what the page hides. An empty cell means "no answer,
  or not published".

Left out on purpose: text answers and map remarks (free input, may name
people), the respondent, the invitation code, the client hash, the consent
flag, and every date — the survey's open period is public and the day of
answering adds a way to single people out for little analytical use.

The GeoJSON holds the published map answers (MAP RULE) as features with the
question (id, position, text, kind) and the neighbourhood their shown geometry lies in;
nothing else. Both are streamed: a big survey is never held in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator

from django.db import connection
from django.http import StreamingHttpResponse

from surveys.models import Question, Survey
from surveys.results import (
    MAP_KINDS,
    MAP_PUBLISHED_CTE,
    TEXT_KINDS,
    SurveyResults,
    map_answers_published,
    map_published_params,
)

K = Question.Kind
CHUNK = 2000
MULTIPLE_SEPARATOR = " | "
RANKING_SEPARATOR = " > "

# Per response, its neighbourhood and its answers to the exported questions as
# {question id: [options, number, WKT of a published map answer]}; in random
# order. Text is never selected.
_ROWS_SQL = (
    "WITH"  # noqa: S608  (module constants only; values go in as parameters)
    + MAP_PUBLISHED_CTE
    + """
    SELECT r.area_id,
           COALESCE(
               jsonb_object_agg(
                   a.question_id,
                   jsonb_build_array(a.options, a.number, ST_AsText(p.geometry, 6))
               ) FILTER (WHERE a.id IS NOT NULL),
               '{}'::jsonb
           )::text
    FROM surveys_response r
    LEFT JOIN surveys_answer a
           ON a.response_id = r.id AND a.question_id = ANY(%(questions)s::bigint[])
    LEFT JOIN published p ON p.id = a.id
    WHERE r.survey_id = %(survey)s
    GROUP BY r.id
    ORDER BY random()
    """
)


def _plain(text: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _number(value: float | None) -> str:
    return "" if value is None else format(value, ".15g")


Cell = Callable[[list], str]


def _cell_for(question, results_question) -> Cell:
    """How one question's answer [options, number, wkt] becomes a cell."""
    kind = question.kind
    if kind in (K.SINGLE_CHOICE, K.MULTIPLE_CHOICE):
        shown = {o.id: _plain(o.label) for o in results_question.options if o.chosen.shown}
        return lambda v: MULTIPLE_SEPARATOR.join(shown[i] for i in v[0] if i in shown)
    if kind == K.RANKING:
        labels = {o.id: _plain(o.label) for o in results_question.options}
        return lambda v: RANKING_SEPARATOR.join(labels[i] for i in v[0] if i in labels)
    if kind == K.LIKERT:
        shown_values = {item.value for item in results_question.likert if item.figure.shown}
        return lambda v: str(int(v[1])) if v[1] is not None and int(v[1]) in shown_values else ""
    if kind == K.NUMBER:
        return lambda v: _number(v[1])
    if kind in MAP_KINDS:
        return lambda v: v[2] or ""
    raise ValueError(f"No CSV column for {kind!r}")  # pragma: no cover - text kinds are skipped


class _Echo:
    def write(self, value: str) -> str:
        return value


def results_csv_lines(*, survey: Survey, results: SurveyResults) -> Iterator[str]:
    """The CSV export (see the module docstring), line by line.

    Labels and headers are taken now, in the request's language; the rows are
    read lazily from a server-side cursor.
    """
    by_id = {q.pk: q for q in survey.questions.prefetch_related("options")}
    columns = [
        (by_id[r.id], _cell_for(by_id[r.id], r))
        for r in results.questions
        if r.kind not in TEXT_KINDS and not r.suppressed
    ]
    codes = {n.id: n.code for n in results.neighbourhoods if n.responses.shown}
    header = ["row", "neighbourhood", *(_plain(f"{q.position}. {q.text}") for q, _ in columns)]
    params = {**map_published_params(survey), "questions": [q.pk for q, _ in columns]}
    writer = csv.writer(_Echo())

    def lines() -> Iterator[str]:
        yield writer.writerow(header)
        with connection.chunked_cursor() as cursor:
            cursor.execute(_ROWS_SQL, params)
            number = 0
            while chunk := cursor.fetchmany(CHUNK):
                for area_id, answers_json in chunk:
                    number += 1
                    answers = json.loads(answers_json)
                    cells = [
                        cell(answers[str(q.pk)]) if str(q.pk) in answers else ""
                        for q, cell in columns
                    ]
                    yield writer.writerow([number, codes.get(area_id, ""), *cells])

    return lines()


def answers_geojson_chunks(*, survey: Survey) -> Iterator[str]:
    """The published map answers as a GeoJSON FeatureCollection, feature by feature."""
    questions = {
        q.pk: {
            "question": q.pk,
            "question_position": q.position,
            "question_text": q.text,
            "kind": q.kind,
        }
        for q in survey.questions.filter(kind__in=MAP_KINDS)
    }

    def chunks() -> Iterator[str]:
        yield '{"type": "FeatureCollection", "features": ['
        separator = ""
        for answer in map_answers_published(survey=survey):
            properties = {**questions[answer.question_id], "neighbourhood": answer.neighbourhood}
            yield (
                f'{separator}{{"type": "Feature", "geometry": {answer.geojson}, '
                f'"properties": {json.dumps(properties, ensure_ascii=False)}}}'
            )
            separator = ",\n"
        yield "]}\n"

    return chunks()


def results_csv_response(*, survey: Survey, results: SurveyResults) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        results_csv_lines(survey=survey, results=results), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="survey-{survey.pk}-results.csv"'
    return response


def answers_geojson_response(*, survey: Survey) -> StreamingHttpResponse:
    response = StreamingHttpResponse(
        answers_geojson_chunks(survey=survey), content_type="application/geo+json"
    )
    response["Content-Disposition"] = f'inline; filename="survey-{survey.pk}-answers.geojson"'
    return response

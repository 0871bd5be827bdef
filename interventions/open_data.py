"""Open data: public interventions and their evaluations as CSV and GeoJSON, streamed.

Three files, listed and documented on /open-data/ (civic.open_data):

- ``interventions.csv`` and ``interventions.geojson``: one row (feature) per
  intervention the public sees (selectors.interventions_visible_to for an
  anonymous reader): what, where, which stage, its dates and progress, and the
  latest evaluation run of each exported figure (verdict, effect with its 95 %
  interval, counts and windows), and residents' follow-up answers as the pages
  publish them (counts only from 5 answers, never who). The CSV gives the site
  as WKT, the GeoJSON as the feature's geometry (WGS84 lon/lat, 6 decimals; a
  site is a public place, never a resident's garden).
- ``evaluations.csv``: every stored evaluation run of those interventions,
  oldest first, so a figure can be followed as data accumulates; with the
  robustness checks (placebo date, leave-one-control-out range) and the method.

Left out on purpose: the proposer (only their role: the municipality or a
resident), supporters (only their number), comments, descriptions and
expected effects (free text that may name people), a council decision's
motivation and a cancellation's reason, officers' notes, milestone texts and
photos, and every proposal the public does not see (under review, not taken
up, withdrawn, or on a draft challenge). Codes, not labels, fill the cells
(kind, status, verdict): the page explains them, and a file reads the same in
every language. A text cell that a spreadsheet would run as a formula starts
with a quote.

Streamed: the interventions are read in chunks from a server-side cursor,
with one query per chunk for their latest runs and one for the answers, so a big municipality is
never held in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.contrib.gis.db.models.functions import AsGeoJSON
from django.db.models import F, Func, QuerySet, TextField, Value
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from civic.open_data import Column
from interventions.evaluation import KIND_FIGURES, NIGHT_FIGURE
from interventions.followup_results import MIN_ANSWERS, followup_results_for
from interventions.models import ImpactEvaluation, Intervention
from interventions.selectors import INTERNAL_STATUSES, interventions_visible_to

CHUNK = 500
# The figures whose latest run gets columns in interventions.csv, in this order: the night
# for every kind, then what some kinds also change (Tmax, soil moisture, wet-feet hours).
# Each figure has the same columns, prefixed with its name; empty for kinds not measured on it.
EXPORTED_FIGURES = tuple(
    dict.fromkeys((NIGHT_FIGURE, *(f for figures in KIND_FIGURES.values() for f in figures)))
)
PUBLIC_STATUSES = tuple(s for s in Intervention.Status.values if s not in INTERNAL_STATUSES)
KINDS = tuple(Intervention.Kind.values)
COUNTS = ("impact_sensors", "control_sensors", "nights_before", "nights_after")
WINDOWS = ("before_first", "before_last", "after_first", "after_last")

INTERVENTION_COLUMNS = (
    Column("id", _("The intervention's number (as in its page's address and the API).")),
    Column("challenge_id", _("The number of the challenge it addresses.")),
    Column("challenge_title", _("The challenge's title.")),
    Column("kind", format_lazy(_("What kind of measure: {codes}."), codes=", ".join(KINDS))),
    Column("title", _("Its title, as on its public page.")),
    Column("status", format_lazy(_("Its stage: {codes}."), codes=", ".join(PUBLIC_STATUSES))),
    Column("proposer_role", _("Who proposed it, by role only: officer or resident.")),
    Column("cost_estimate", _("Estimated cost in euros; empty if not given.")),
    Column("consultation_end", _("The last day of its consultation (YYYY-MM-DD); may be empty.")),
    Column("support_count", _("How many residents support it (a number, never who).")),
    Column("planned_start", _("Planned start of the works (YYYY-MM-DD); may be empty.")),
    Column("planned_end", _("Planned end of the works (YYYY-MM-DD); may be empty.")),
    Column("actual_start", _("The day the works started; empty until then.")),
    Column("actual_end", _("The day the works were completed; empty until then.")),
    Column("progress", _("Progress of the works in percent (0-100).")),
    Column(
        "site_wkt",
        _(
            "The site as WKT, WGS84 longitude/latitude, 6 decimals; empty without a site "
            "(CSV only: the GeoJSON has it as the feature's geometry)."
        ),
    ),
    Column("url", _("Its public page.")),
)
# The latest run of each exported figure: "<figure>_<field>" (e.g. night_anomaly_effect).
RUN_FIELDS = (
    (
        "verdict",
        _(
            "The verdict of the latest run: cooler or warmer (temperatures), lower or higher "
            "(soil moisture, wet-feet hours), no_clear_effect or not_enough_data."
        ),
    ),
    (
        "effect",
        _(
            "The estimated effect (difference in differences: after minus before, near the "
            "site minus comparable places) in the figure's unit: °C for night_anomaly and "
            "t_max, percentage points for soil_moisture, hours a day for wet_feet_hours. "
            "Negative is cooler or drier. Empty when not enough data."
        ),
    ),
    ("low", _("Lower end of its 95 % interval, in the same unit.")),
    ("high", _("Upper end of its 95 % interval, in the same unit.")),
    ("impact_sensors", _("Sensors near the site that the estimate used.")),
    ("control_sensors", _("Comparison sensors further away that the estimate used.")),
    ("nights_before", _("Valid nights before the works.")),
    ("nights_after", _("Valid nights after the works.")),
    ("before_first", _("First night of the before window.")),
    ("before_last", _("Last night of the before window.")),
    ("after_first", _("First night of the after window.")),
    ("after_last", _("Last night of the after window (so far).")),
    ("computed_at", _("When the run was computed (ISO 8601, local time with offset).")),
)
# Residents' follow-up answers after the figures, as the pages publish them
# (interventions.followup_results): the counts stay empty below MIN_ANSWERS answers.
FOLLOWUP_FIELDS = ("asked", "answered", "yes", "no", "not_sure")
FOLLOWUP_COLUMNS = (
    Column("followup_asked", _("How many people with a stake were asked whether it helped.")),
    Column(
        "followup_answered",
        format_lazy(
            _("How many answered; empty below {n} answers (too few to publish)."), n=MIN_ANSWERS
        ),
    ),
    Column("followup_yes", _("Answers: yes, it helped (empty while too few answered).")),
    Column("followup_no", _("Answers: no (empty while too few answered).")),
    Column("followup_not_sure", _("Answers: not sure (empty while too few answered).")),
)


def intervention_columns() -> tuple[Column, ...]:
    """Every column of interventions.csv, in order (the GeoJSON has them as properties)."""
    figures = tuple(
        Column(f"{figure}_{field}", format_lazy("{figure}: {what}", figure=figure, what=what))
        for figure in EXPORTED_FIGURES
        for field, what in RUN_FIELDS
    )
    return INTERVENTION_COLUMNS + figures + FOLLOWUP_COLUMNS


EVALUATION_COLUMNS = (
    Column("id", _("The run's number.")),
    Column("intervention_id", _("The intervention evaluated (see interventions.csv).")),
    Column("challenge_id", _("The challenge the intervention addresses.")),
    Column("figure", _("What was measured, e.g. night_anomaly (the night temperature anomaly).")),
    Column("computed_at", _("When the run was computed (ISO 8601, local time with offset).")),
    *(Column(field, what) for field, what in RUN_FIELDS if field != "computed_at"),
    Column("placebo_night", _("The placebo date inside the before window (nothing happened).")),
    Column(
        "placebo_effect",
        _("The effect at the placebo date, in the figure's unit; should be near 0."),
    ),
    Column("placebo_low", _("Lower end of the placebo's 95 % interval.")),
    Column("placebo_high", _("Upper end of the placebo's 95 % interval; it should hold 0.")),
    Column(
        "loo_min", _("Smallest effect with one comparison sensor left out, in the figure's unit.")
    ),
    Column(
        "loo_max", _("Largest effect with one comparison sensor left out, in the figure's unit.")
    ),
    Column("method", _("The statistical method, in words.")),
)

PARAMETERS = (
    ("challenge", _("Only the interventions of this challenge (its number).")),
    ("kind", _("Only this kind of measure (a code of the kind column).")),
    ("status", _("Only this stage (a code of the status column).")),
)


class BadParameter(ValueError):
    """A query parameter the files do not take, or a value they cannot use."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


def open_data_filters(params) -> dict[str, Any]:
    """The filters asked for in the query string; BadParameter names the first bad one."""
    known = {name for name, _what in PARAMETERS}
    for name in params:
        if name not in known:
            raise BadParameter(
                name,
                _("Unknown parameter; these files take: %(known)s.")
                % {"known": ", ".join(sorted(known))},
            )
    filters: dict[str, Any] = {}
    if "challenge" in params:
        value = params["challenge"]
        if not (value.isascii() and value.isdigit()) or not 0 < int(value) < 2**63:
            raise BadParameter("challenge", _("A challenge's number, e.g. 12."))
        filters["challenge_id"] = int(value)
    for name, allowed in (("kind", KINDS), ("status", PUBLIC_STATUSES)):
        if name in params:
            if params[name] not in allowed:
                raise BadParameter(
                    name, _("Choose one of: %(allowed)s.") % {"allowed": ", ".join(allowed)}
                )
            filters[name] = params[name]
    return filters


class _AsWKT(Func):
    """ST_AsText with a fixed number of decimals (Django's AsWKT takes none)."""

    function = "ST_AsText"
    output_field = TextField()


def _public(filters: dict[str, Any]) -> QuerySet[Intervention]:
    return (
        interventions_visible_to(user=AnonymousUser())
        .filter(**filters)
        .select_related(None)
        .order_by("id")
    )


def _text(value: str) -> str:
    """A cell a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _cell(value: Any) -> Any:
    """A value as the files write it: dates ISO, times local with offset, floats exactly."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return float(format(value, ".15g"))
    return value


def _run_values(run: dict | None) -> list[Any]:
    if run is None:
        return [None] * len(RUN_FIELDS)
    counts = run["counts"] or {}
    values = []
    for field, _what in RUN_FIELDS:
        values.append(_cell(counts.get(field) if field in COUNTS else run[field]))
    return values


_RUN_VALUES = ("verdict", "effect", "low", "high", "counts", *WINDOWS, "computed_at")


def _latest_runs(ids: list[int]) -> dict[tuple[int, str], dict]:
    """The latest run per (intervention, exported figure) of these interventions, one query."""
    rows = (
        ImpactEvaluation.objects.filter(intervention_id__in=ids, figure__in=EXPORTED_FIGURES)
        .order_by("intervention_id", "figure", "-computed_at", "-id")
        .distinct("intervention_id", "figure")
        .values("intervention_id", "figure", *_RUN_VALUES)
    )
    return {(row["intervention_id"], row["figure"]): row for row in rows}


def _chunks(rows: Iterable[dict]) -> Iterator[list[dict]]:
    chunk: list[dict] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


_FIELDS = (
    "id",
    "challenge_id",
    "challenge__title",
    "kind",
    "title",
    "status",
    "proposer_role",
    "cost_estimate",
    "consultation_end",
    "support_count",
    "planned_start",
    "planned_end",
    "actual_start",
    "actual_end",
    "progress",
)


def _intervention_records(filters: dict[str, Any], *, geometry: str) -> Iterator[tuple]:
    """(values in column order, the geometry, the latest runs and the answers) per row."""
    annotation = (
        AsGeoJSON("site", precision=6)
        if geometry == "geojson"
        else _AsWKT(F("site"), Value(6), output_field=TextField())
    )
    rows = _public(filters).annotate(shape=annotation).values(*_FIELDS, "shape").iterator(CHUNK)
    for chunk in _chunks(rows):
        ids = [row["id"] for row in chunk]
        runs = _latest_runs(ids)
        answers = followup_results_for(ids)
        for row in chunk:
            values = [
                # Quoted against spreadsheet formulas in the CSV only: GeoJSON is not opened
                # by spreadsheets, and its readers should get the title as typed.
                _text(row[name])
                if name in ("title", "challenge__title") and geometry == "wkt"
                else _cell(row[name])
                for name in _FIELDS
            ]
            if row["cost_estimate"] is not None:
                values[_FIELDS.index("cost_estimate")] = float(row["cost_estimate"])
            values.append(reverse("interventions:detail", args=[row["id"]]))
            figures = []
            for figure in EXPORTED_FIGURES:
                figures += _run_values(runs.get((row["id"], figure)))
            published = answers[row["id"]].public() if row["id"] in answers else {"asked": 0}
            figures += [published.get(field) for field in FOLLOWUP_FIELDS]
            yield values, row["shape"], figures


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv_value(value: Any) -> Any:
    return "" if value is None else value


def interventions_csv_lines(filters: dict[str, Any], *, base_url: str) -> Iterator[str]:
    """interventions.csv (see the module docstring), line by line."""
    writer = csv.writer(_Echo())
    yield writer.writerow([column.name for column in intervention_columns()])
    for values, wkt, figures in _intervention_records(filters, geometry="wkt"):
        values[-1] = base_url + values[-1]
        # The site sits before the url, as the columns say.
        row = [*values[:-1], wkt or "", values[-1], *figures]
        yield writer.writerow([_csv_value(v) for v in row])


def interventions_geojson_chunks(filters: dict[str, Any], *, base_url: str) -> Iterator[str]:
    """interventions.geojson: a FeatureCollection, feature by feature."""
    names = [c.name for c in intervention_columns() if c.name != "site_wkt"]
    yield '{"type": "FeatureCollection", "features": ['
    separator = ""
    for values, geojson, figures in _intervention_records(filters, geometry="geojson"):
        values[-1] = base_url + values[-1]
        properties = dict(zip(names, [*values, *figures], strict=True))
        yield (
            f'{separator}{{"type": "Feature", "id": {properties["id"]}, '
            f'"geometry": {geojson or "null"}, '
            f'"properties": {json.dumps(properties, ensure_ascii=False)}}}'
        )
        separator = ",\n"
    yield "]}\n"


def evaluations_csv_lines(filters: dict[str, Any]) -> Iterator[str]:
    """evaluations.csv: every run of the public interventions, oldest first."""
    writer = csv.writer(_Echo())
    yield writer.writerow([column.name for column in EVALUATION_COLUMNS])
    runs = (
        ImpactEvaluation.objects.filter(
            intervention__in=_public(filters).values("id"),
        )
        .order_by("computed_at", "id")
        .values(
            "id",
            "intervention_id",
            "intervention__challenge_id",
            "figure",
            "computed_at",
            *_RUN_VALUES[:-1],
            "placebo",
            "loo_min",
            "loo_max",
            "method",
        )
        .iterator(CHUNK)
    )
    for run in runs:
        placebo = run["placebo"] or {}
        row = [
            run["id"],
            run["intervention_id"],
            run["intervention__challenge_id"],
            run["figure"],
            _cell(run["computed_at"]),
            *_run_values(run)[:-1],
            placebo.get("night"),
            _cell(placebo.get("effect")),
            _cell(placebo.get("low")),
            _cell(placebo.get("high")),
            _cell(run["loo_min"]),
            _cell(run["loo_max"]),
            run["method"],
        ]
        yield writer.writerow([_csv_value(v) for v in row])


def _streamed(chunks: Iterator[str], media_type: str, filename: str) -> StreamingHttpResponse:
    response = StreamingHttpResponse(chunks, content_type=f"{media_type}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def interventions_csv_response(filters: dict[str, Any], *, base_url: str):
    return _streamed(
        interventions_csv_lines(filters, base_url=base_url), "text/csv", "interventions.csv"
    )


def interventions_geojson_response(filters: dict[str, Any], *, base_url: str):
    return _streamed(
        interventions_geojson_chunks(filters, base_url=base_url),
        "application/geo+json",
        "interventions.geojson",
    )


def evaluations_csv_response(filters: dict[str, Any]):
    return _streamed(evaluations_csv_lines(filters), "text/csv", "evaluations.csv")

"""Pages of survey results: figures with server-drawn charts, the map, and the two downloads.

Who may see what is decided in surveys.results (results_visibility); the
figures arrive suppressed from there, so these views only draw them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from surveys import exports
from surveys.models import Question, Survey
from surveys.results import (
    DASH,
    MIN_GROUP,
    SMALL,
    NeighbourhoodResult,
    QuestionResult,
    SurveyResults,
    Visibility,
    results_visibility,
    survey_results,
)

K = Question.Kind

CHART_W = 560
ROW_H = 44  # a label line, then its bar
BAR_Y, BAR_H = 20, 18
VALUE_W = 110  # room right of the longest bar for its value

LIKERT_LABELS = {
    1: gettext_lazy("1 (strongly disagree)"),
    2: gettext_lazy("2 (disagree)"),
    3: gettext_lazy("3 (neither agree nor disagree)"),
    4: gettext_lazy("4 (agree)"),
    5: gettext_lazy("5 (strongly agree)"),
}

# Responses per 1,000 inhabitants: light to dark blue (ColorBrewer "Blues").
# The legend on the page and results_map.js both take these from the view.
CHOROPLETH = ("#c6dbef", "#6baed6", "#2171b5", "#08306b")
ZERO_COLOUR = "#f7fbff"
HIDDEN_COLOUR = "#adb5bd"
NO_POPULATION_COLOUR = "#e9ecef"
# Map answers, one colour per question (cycled).
QUESTION_COLOURS = ("#d9480f", "#2b8a3e", "#862e9c", "#c2255c", "#0b7285", "#e67700")


@dataclass(frozen=True)
class Bar:
    """One bar; coordinates as strings, so a Dutch page does not write "12,5" into the SVG."""

    label: str
    label_y: str
    bar_y: str
    text_y: str
    width: str
    value: str
    value_x: str


def _bar_chart(items: list[tuple[str, float | None, str]], description: str) -> dict | None:
    """Horizontal bars for (label, fraction 0-1 or None when hidden, value text)."""
    if not items:
        return None
    room = CHART_W - VALUE_W
    bars = []
    for index, (label, fraction, value) in enumerate(items):
        width = 0.0 if fraction is None else max(0.0, min(1.0, fraction)) * room
        top = index * ROW_H
        bars.append(
            Bar(
                label=label,
                label_y=str(top + 14),
                bar_y=str(top + BAR_Y),
                text_y=str(top + BAR_Y + 14),
                width=f"{width:.1f}",
                value=value,
                value_x=f"{width + 6:.1f}",
            )
        )
    return {
        "width": str(CHART_W),
        "height": str(len(items) * ROW_H),
        "track": str(room),
        "bar_height": str(BAR_H),
        "bars": bars,
        "description": description,
    }


def _decimal(value: float, places: int = 1) -> str:
    """In the page's language; rounded (number_format alone cuts 1.79999 to 1.7)."""
    return number_format(round(value, places), places)


def _share_text(figure) -> str:
    if not figure.shown:
        return figure.display
    return f"{figure.percent} % ({figure.count})"


def _chart_for(question: QuestionResult) -> dict | None:
    if question.suppressed:
        return None
    if question.kind in (K.SINGLE_CHOICE, K.MULTIPLE_CHOICE):
        return _bar_chart(
            [(o.label, o.chosen.share, _share_text(o.chosen)) for o in question.options],
            _("Share of the respondents to this question who chose each option."),
        )
    if question.kind == K.LIKERT:
        return _bar_chart(
            [
                (str(LIKERT_LABELS[v.value]), v.figure.share, _share_text(v.figure))
                for v in question.likert
            ],
            _("Share of the respondents to this question who gave each answer."),
        )
    if question.kind == K.RANKING:
        count = len(question.options)
        return _bar_chart(
            [
                (
                    o.label,
                    None
                    if o.mean_position is None or count < 2
                    else (count - o.mean_position) / (count - 1),
                    DASH
                    if o.mean_position is None
                    else _("mean position %(p)s") % {"p": _decimal(o.mean_position)},
                )
                for o in question.options
            ],
            _("How high each option was ranked on average: a full bar means always first."),
        )
    return None


def _choropleth(neighbourhoods: list[NeighbourhoodResult]) -> tuple[dict, list[dict]]:
    """Per neighbourhood code its colour and tooltip, and the legend (same colours)."""
    values = [n.per_1000 for n in neighbourhoods if n.per_1000]
    top = max(values, default=0.0)
    # Four equal classes from 0 to the highest figure, with "nobody" apart.
    # (Rounded first: 2.4 / 4 * 10 must be 6, not 6.000000000000001.)
    step = math.ceil(round(top / len(CHOROPLETH) * 10, 6)) / 10 if top else 0.0
    legend = [{"colour": ZERO_COLOUR, "label": _("no responses")}]
    for index, colour in enumerate(CHOROPLETH):
        if not step:
            break
        low, high = _decimal(index * step), _decimal((index + 1) * step)
        label = (
            _("more than 0, up to %(high)s") % {"high": high}
            if index == 0
            else _("more than %(low)s, up to %(high)s") % {"low": low, "high": high}
        )
        legend.append({"colour": colour, "label": label})
    legend.append(
        {
            "colour": HIDDEN_COLOUR,
            "label": _("not shown: fewer than %(n)d responses, or it would give one away")
            % {"n": MIN_GROUP},
        }
    )
    legend.append({"colour": NO_POPULATION_COLOUR, "label": _("no population figure")})

    figures = {}
    for hood in neighbourhoods:
        if hood.responses.suppressed == SMALL:
            colour = HIDDEN_COLOUR
            text = _("%(name)s: fewer than %(n)d responses") % {"name": hood.name, "n": MIN_GROUP}
        elif not hood.responses.shown:
            colour = HIDDEN_COLOUR
            text = _("%(name)s: not shown, so that a small count cannot be worked out") % {
                "name": hood.name
            }
        elif hood.responses.count == 0:
            colour, text = ZERO_COLOUR, _("%(name)s: no responses") % {"name": hood.name}
        elif hood.per_1000 is None:
            colour = NO_POPULATION_COLOUR
            text = _("%(name)s: %(n)s responses") % {"name": hood.name, "n": hood.responses.count}
        else:
            ratio = hood.per_1000 / step if step else 0.0
            index = min(len(CHOROPLETH) - 1, max(0, math.ceil(ratio) - 1))
            colour = CHOROPLETH[index]
            text = _("%(name)s: %(n)s responses, %(rate)s per 1,000 inhabitants") % {
                "name": hood.name,
                "n": hood.responses.count,
                "rate": _decimal(hood.per_1000),
            }
        figures[hood.code] = {"colour": colour, "label": text}
    return figures, legend


def _survey_for(request, pk: int) -> tuple[Survey, Visibility]:
    """The survey and what the user may see of it; 404 for a draft they may not see."""
    survey = get_object_or_404(Survey.objects.select_related("area"), pk=pk)
    visibility = results_visibility(user=request.user, survey=survey)
    if visibility is Visibility.HIDDEN:
        raise Http404
    return survey, visibility


def results(request, pk: int):
    """A survey's results: a section per question, the map and the neighbourhoods."""
    survey, visibility = _survey_for(request, pk)
    if visibility is Visibility.NOT_YET:
        return render(request, "surveys/results_not_yet.html", {"survey": survey}, status=403)
    data: SurveyResults = survey_results(survey=survey, with_texts=visibility is Visibility.FULL)
    map_questions = [q for q in data.questions if q.map_shown]
    colours = {
        q.id: QUESTION_COLOURS[index % len(QUESTION_COLOURS)]
        for index, q in enumerate(map_questions)
    }
    figures, legend = _choropleth(data.neighbourhoods)
    xmin, ymin, xmax, ymax = survey.area.geometry.extent
    return render(
        request,
        "surveys/results.html",
        {
            "survey": survey,
            "results": data,
            "sections": [
                {
                    "q": q,
                    "chart": _chart_for(q),
                    "likert": [
                        {"label": LIKERT_LABELS[v.value], "figure": v.figure} for v in q.likert
                    ],
                }
                for q in data.questions
            ],
            "map_questions": [{"q": q, "colour": colours[q.id]} for q in map_questions],
            "map_questions_json": {
                str(q.id): {"colour": colours[q.id], "text": f"{q.position}. {q.text}"}
                for q in map_questions
            },
            "neighbourhood_figures": figures,
            "legend": legend,
            "bounds": f"{xmin:.6f},{ymin:.6f},{xmax:.6f},{ymax:.6f}",
            "tiles_url": settings.CIVIC_TILES_URL,
            "is_running": survey.status == Survey.Status.OPEN,
        },
    )


def _export_allowed(request, pk: int) -> Survey:
    survey, visibility = _survey_for(request, pk)
    if not visibility.allowed:
        raise PermissionDenied(_("Results are published when the survey closes."))
    return survey


def results_csv(request, pk: int):
    """The per-response CSV, without personal data (see surveys.exports)."""
    survey = _export_allowed(request, pk)
    data = survey_results(survey=survey, with_texts=False)
    return exports.results_csv_response(survey=survey, results=data)


def answers_geojson(request, pk: int):
    """The published map answers as GeoJSON (see MAP RULE in surveys.results)."""
    survey = _export_allowed(request, pk)
    return exports.answers_geojson_response(survey=survey)

"""The measured effect on the intervention page: sentences per figure, the control match, the chart.

Everything here reads stored runs (ImpactEvaluation): the page runs no estimate and no
series query. The chart is an inline SVG whose geometry is computed here as numbers;
every word in it goes through the template, escaped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civic.impact_series import SeriesRequest
from interventions.evaluation import NIGHT_FIGURE, evaluation_sentence
from interventions.models import ImpactEvaluation, Intervention
from interventions.selectors import evaluations_latest

# The chart's drawing area (SVG user units); the SVG scales to its box (width: 100 %, at
# most 40rem), so 13-unit labels read at about 10 px on a 375 px phone, 17 px on a desktop.
WIDTH, HEIGHT = 480, 300
LEFT, RIGHT, TOP, BOTTOM = 40, 8, 12, 50


def _number(value: float | None, places: int = 1) -> str:
    if value is None:
        return "-"
    return number_format(round(value, places), decimal_pos=places)


def match_sentence(run: ImpactEvaluation) -> str:
    """How the comparison places were chosen and how well they tracked the site, in words."""
    match = run.match or {}
    if not match.get("candidates"):
        return ""
    chosen, candidates = match["chosen"], match["candidates"]
    picked = ngettext(
        "Comparison places: %(chosen)d of %(candidates)d sensor %(near)s to %(far)s m away, "
        "the ones whose nights ran most parallel to those near the site before the work.",
        "Comparison places: %(chosen)d of %(candidates)d sensors %(near)s to %(far)s m away, "
        "the ones whose nights ran most parallel to those near the site before the work.",
        candidates,
    ) % {
        "chosen": chosen,
        "candidates": candidates,
        # The control ring the series were read from (civic.impact_series), not a copy.
        "near": number_format(SeriesRequest.control_min_m, decimal_pos=0, force_grouping=True),
        "far": number_format(SeriesRequest.control_max_m, decimal_pos=0, force_grouping=True),
    }
    matched, everyone = match.get("matched", {}), match.get("all", {})
    numbers = {
        "trend": _number(matched.get("trend_gap"), 2),
        "trend_all": _number(everyone.get("trend_gap"), 2),
        "candidates": candidates,
        "sd": _number(matched.get("sd_gap"), 2),
        "sd_all": _number(everyone.get("sd_gap"), 2),
        "gap": _number(abs(matched.get("mean_gap") or 0.0), 1),
        "warmer_or_cooler": _("warmer") if (matched.get("mean_gap") or 0.0) > 0 else _("cooler"),
    }
    if run.figure != NIGHT_FIGURE or not matched:
        return picked  # other figures, or too little data to say how they tracked
    if chosen == candidates:
        tracked = _(
            "Before the work, the gap between the site and these places moved %(trend)s °C "
            "per 30 nights and varied by %(sd)s °C from night to night; on average the site "
            "was %(gap)s °C %(warmer_or_cooler)s."
        )
    else:
        tracked = _(
            "Before the work, the gap between the site and these places moved %(trend)s °C "
            "per 30 nights (all %(candidates)d candidates: %(trend_all)s °C) and varied by "
            "%(sd)s °C from night to night (all: %(sd_all)s °C); on average the site was "
            "%(gap)s °C %(warmer_or_cooler)s."
        )
    return f"{picked} {tracked % numbers}"


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis."""

    at: float
    label: str


def _ticks(low: float, high: float) -> list[float]:
    span = high - low
    step = next(s for s in (0.1, 0.2, 0.25, 0.5, 1, 2, 2.5, 5, 10, 20, 50) if span / s <= 6)
    first = step * round(low / step + 0.4999)
    return [round(first + n * step, 6) for n in range(int((high - first) / step) + 1)]


def chart_geometry(run: ImpactEvaluation) -> dict | None:
    """The before/after chart as numbers: lines, axis ticks and the table rows (None: no data).

    Weeks stand side by side in order, one empty slot for the works between the before and
    the after weeks, whatever the calendar gap (a winter between seasons is not drawn).
    """
    weeks = [w for w in run.chart or [] if w.get("impact") is not None]
    before = [w for w in weeks if w["side"] == "before"]
    after = [w for w in weeks if w["side"] == "after"]
    if not before or not after:
        return None
    slots = len(before) + 1 + len(after)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    values = [w[k] for w in weeks for k in ("impact", "control")]
    low, high = min(values), max(values)
    pad = max(0.1, (high - low) * 0.1)
    low, high = low - pad, high + pad

    def x(slot: int) -> float:
        return round(LEFT + (slot + 0.5) * plot_w / slots, 1)

    def y(value: float) -> float:
        return round(TOP + (high - value) / (high - low) * plot_h, 1)

    def line(rows: list[dict], key: str, offset: int) -> str:
        return " ".join(f"{x(offset + n)},{y(row[key])}" for n, row in enumerate(rows))

    works_x = x(len(before))
    return {
        "width": WIDTH,
        "height": HEIGHT,
        "left": LEFT,
        "right": WIDTH - RIGHT,
        "top": TOP,
        "bottom": HEIGHT - BOTTOM,
        "plot_h": plot_h,
        "label_y": HEIGHT - BOTTOM + 18,
        "legend_y": HEIGHT - 6,
        "works_x": works_x - plot_w / slots / 2,
        "works_w": round(plot_w / slots, 1),
        "works_mid": works_x,
        "before_mid": x((len(before) - 1) // 2),
        "after_mid": x(len(before) + 1 + (len(after) - 1) // 2),
        "lines": {
            "impact_before": line(before, "impact", 0),
            "impact_after": line(after, "impact", len(before) + 1),
            "control_before": line(before, "control", 0),
            "control_after": line(after, "control", len(before) + 1),
        },
        "ticks": [Tick(y(v), _number(v, 1)) for v in _ticks(low, high)],
        "rows": [
            {
                "side": _("before") if w["side"] == "before" else _("after"),
                "first": date_format(date.fromisoformat(w["first"]), "MONTH_DAY_FORMAT"),
                "last": date_format(date.fromisoformat(w["last"]), "MONTH_DAY_FORMAT"),
                "nights": w["nights"],
                "impact": _number(w["impact"], 2),
                "control": _number(w["control"], 2),
            }
            for w in weeks
        ],
    }


def measured_context(intervention: Intervention) -> dict:
    """The latest run of each figure in words, the night's match and chart, and the run count.

    Only the latest run per figure is read (with its chart): runs pile up as data arrives.
    """
    runs = evaluations_latest([intervention.pk]).get(intervention.pk, [])
    if not runs or runs[0].figure != NIGHT_FIGURE:
        return {"evaluation": None}
    latest = runs[0]
    others = [evaluation_sentence(run) for run in runs[1:]]
    return {
        "evaluation": latest,
        "evaluation_sentence": evaluation_sentence(latest),
        "evaluation_runs": intervention.evaluations.filter(figure=NIGHT_FIGURE).count(),
        "evaluation_others": others,
        "evaluation_match": match_sentence(latest),
        "evaluation_chart": chart_geometry(latest),
    }

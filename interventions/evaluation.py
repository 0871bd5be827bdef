"""The before/after evaluation of one site: windows, series, matched controls, the estimate, runs.

`evaluation_windows` picks comparable weather: nights of the warm season
(civic.periods.season_bounds, CIVIC_WARM_SEASON) before the works and after
them, the works period itself left out. Works inside one season compare its
nights before with its nights after; works that start before or end after a
season compare the last whole season before with the first season after.
`evaluate_site` asks the core for the nightly series around the site
(civic.impact_series, which the sensor network fills in SQL) and hands them
to interventions.impact_estimate.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, replace
from datetime import date, timedelta

from django.conf import settings
from django.contrib.gis.geos import GEOSGeometry
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.impact_series import SeriesRequest, series_batch, site_series
from civic.periods import season_bounds
from interventions.impact_estimate import (
    FIGURE_DIRECTIONS,
    ControlChoice,
    ControlMatch,
    Counts,
    EstimateSettings,
    ImpactEstimate,
    MatchRule,
    Placebo,
    Shortfall,
    Verdict,
    Window,
    controls_choose,
    impact_estimate,
)
from interventions.impact_sentences import impact_sentence

logger = logging.getLogger(__name__)

# The night figure every evaluation reports (a sensor network's daily statistic).
NIGHT_FIGURE = "night_anomaly"
# What else each kind of works should change: shade and trees the hottest hours of the day,
# water storage the wetness of the ground. Other kinds are measured on the night alone.
KIND_FIGURES = {
    "trees": ("t_max",),
    "shade": ("t_max",),
    "water_storage": ("soil_moisture", "wet_feet_hours"),
}


def figures_for(kind: str) -> tuple[str, ...]:
    """The figures an intervention of `kind` is measured on, the night anomaly first."""
    return (NIGHT_FIGURE, *KIND_FIGURES.get(kind, ()))


def estimate_settings() -> EstimateSettings:
    """The minimums from INTERVENTIONS_EVALUATION_MIN (missing keys keep their defaults)."""
    minimum = getattr(settings, "INTERVENTIONS_EVALUATION_MIN", {})
    default = EstimateSettings()
    return EstimateSettings(
        min_impact_sensors=int(minimum.get("impact_sensors", default.min_impact_sensors)),
        min_control_sensors=int(minimum.get("control_sensors", default.min_control_sensors)),
        min_nights_each_side=int(minimum.get("nights_each_side", default.min_nights_each_side)),
    )


def match_rule() -> MatchRule:
    """How controls are chosen, from INTERVENTIONS_CONTROL_MATCH."""
    rule = getattr(settings, "INTERVENTIONS_CONTROL_MATCH", {})
    default = MatchRule()
    return MatchRule(
        max_controls=int(rule.get("max_controls", default.max_controls)),
        max_sd_ratio=float(rule.get("max_sd_ratio", default.max_sd_ratio)),
    )


def evaluation_windows(
    *, works_start: date, works_end: date, today: date
) -> tuple[Window, Window] | None:
    """(before, after) warm-season windows around the works; None while no after night exists."""
    if works_end < works_start:
        raise ValueError("The works cannot end before they start.")
    season_start, season_end = season_bounds(works_start.year)
    if season_start < works_start and works_end < season_end:
        before = Window(season_start, works_start - timedelta(days=1))
        after = Window(works_end + timedelta(days=1), min(season_end, today))
    else:
        # The last whole season before the works, the first season after them.
        year_before = works_start.year if works_start > season_end else works_start.year - 1
        before = Window(*season_bounds(year_before))
        year_after = (
            works_end.year if works_end < season_bounds(works_end.year)[0] else (works_end.year + 1)
        )
        first, last = season_bounds(year_after)
        after = Window(first, min(last, today))
    if after.last < after.first:
        return None
    return before, after


def evaluate_site(
    *,
    site: GEOSGeometry,
    works_start: date,
    works_end: date,
    today: date,
    impact_radius_m: float = 150.0,
    exclude: tuple[tuple[GEOSGeometry, float], ...] = (),
    settings: EstimateSettings | None = None,
    figure: str = NIGHT_FIGURE,
    rule: MatchRule | None = None,
) -> tuple[ImpactEstimate | None, tuple[Window, Window] | None]:
    """The estimate for the nights near `site`, or (None, None) before any night after the works.

    The controls are the ring's sensors that ran parallel to the impact sensors before the
    works (impact_estimate.controls_choose); the estimate carries that match.
    """
    windows = evaluation_windows(works_start=works_start, works_end=works_end, today=today)
    if windows is None:
        return None, None
    before, after = windows
    settings = settings or estimate_settings()
    series = site_series(
        SeriesRequest(
            site=site,
            figure=figure,
            start=before.first,
            end=after.last,
            impact_radius_m=impact_radius_m,
            exclude=exclude,
        )
    )
    choice = controls_choose(
        impact=series.impact,
        controls=series.controls,
        before=before,
        settings=settings,
        rule=rule or match_rule(),
    )
    estimate = impact_estimate(
        impact=series.impact,
        controls={key: series.controls[key] for key in choice.chosen},
        before=before,
        after=after,
        settings=settings,
        directions=FIGURE_DIRECTIONS[figure],
    )
    return replace(estimate, match=choice), windows


# ------------------------------------------------------------------ stored runs
def _rounded(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(value, places)


def _match_summary(match: ControlMatch) -> dict:
    return {
        "nights": match.nights,
        "correlation": _rounded(match.correlation),
        "mean_gap": _rounded(match.mean_gap),
        "sd_gap": _rounded(match.sd_gap),
        "trend_gap": _rounded(match.trend_gap),
    }


def _match_row(choice: ControlChoice | None, rule: MatchRule) -> dict:
    """The control match as stored: counts, the match before and after choosing, each candidate.

    Candidates appear by rank, without their keys: which sensor is a control stays private.
    """
    if choice is None:
        return {}
    chosen = set(choice.chosen)
    return {
        "rule": asdict(rule),
        "candidates": len(choice.candidates.controls),
        "chosen": len(choice.chosen),
        "all": _match_summary(choice.candidates),
        "matched": _match_summary(choice.matched),
        "controls": [
            {
                "rank": rank,
                "chosen": track.sensor in chosen,
                "nights": track.nights,
                "sd_difference": _rounded(track.sd_difference),
                "correlation": _rounded(track.correlation),
                "mean_difference": _rounded(track.mean_difference),
            }
            for rank, track in enumerate(choice.candidates.controls, start=1)
        ],
    }


def _chart_row(estimate: ImpactEstimate) -> list[dict]:
    """Week by week means of impact and chosen controls, small enough to keep with every run."""
    return [
        {
            "side": week.side,
            "first": week.first.isoformat(),
            "last": week.last.isoformat(),
            "nights": week.nights,
            "impact": _rounded(week.impact),
            "control": _rounded(week.control),
        }
        for week in estimate.weeks
    ]


def _as_row(
    estimate: ImpactEstimate, windows: tuple[Window, Window], rule: MatchRule | None = None
) -> dict:
    before, after = windows
    placebo = estimate.placebo
    match = _match_row(estimate.match, rule or match_rule())
    short = estimate.verdict == Verdict.NOT_ENOUGH_DATA
    if short and match:
        # Below the minimums no figure is shown: neither the weeks nor how the controls
        # tracked the site, which with one sensor near it would be that garden's nights.
        match = {key: match[key] for key in ("rule", "candidates", "chosen")}
    return {
        "match": match,
        "chart": [] if short else _chart_row(estimate),
        "verdict": estimate.verdict.value,
        "method": estimate.method,
        "effect": estimate.effect,
        "low": estimate.low,
        "high": estimate.high,
        "counts": asdict(estimate.counts),
        "placebo": (
            {
                "night": placebo.night.isoformat(),
                "effect": placebo.effect,
                "low": placebo.low,
                "high": placebo.high,
            }
            if placebo
            else None
        ),
        "loo_min": estimate.loo_min,
        "loo_max": estimate.loo_max,
        "missing": [asdict(s) for s in estimate.missing],
        "before_first": before.first,
        "before_last": before.last,
        "after_first": after.first,
        "after_last": after.last,
    }


def evaluation_as_estimate(row) -> ImpactEstimate:
    """A stored run as the estimate it was, for its sentence (impact_sentence)."""
    placebo = row.placebo
    return ImpactEstimate(
        verdict=Verdict(row.verdict),
        method=row.method,
        counts=Counts(**row.counts),
        effect=row.effect,
        low=row.low,
        high=row.high,
        placebo=(
            Placebo(
                night=date.fromisoformat(placebo["night"]),
                effect=placebo["effect"],
                low=placebo["low"],
                high=placebo["high"],
            )
            if placebo
            else None
        ),
        loo_min=row.loo_min,
        loo_max=row.loo_max,
        missing=tuple(Shortfall(**s) for s in row.missing),
    )


def evaluation_sentence(row) -> str:
    """A stored run's plain-language sentence in the active language."""
    return impact_sentence(evaluation_as_estimate(row), row.figure)


def _impact_radius(kind: str) -> float:
    radii = getattr(settings, "INTERVENTIONS_IMPACT_RADIUS_M", {})
    return float(radii.get(kind, radii.get("default", 150.0)))


def _works_zones() -> dict[int, tuple[GEOSGeometry, float]]:
    """Every site of works in progress or completed with its impact radius, by intervention."""
    from interventions.models import Intervention

    return {
        other.pk: (other.site, _impact_radius(other.kind))
        for other in Intervention.objects.filter(
            status__in=[Intervention.Status.IN_PROGRESS, Intervention.Status.COMPLETED],
            site__isnull=False,
        ).only("site", "kind")
    }


def evaluation_run(
    *,
    intervention,
    today: date | None = None,
    zones: dict[int, tuple[GEOSGeometry, float]] | None = None,
):
    """Evaluate a completed intervention on each of its figures; keep a run when data changed.

    One row per figure (figures_for its kind), each kept only when that figure's
    data changed since its last run. An intervention without a site cannot be
    measured: a ValidationError naming `site`. Returns the night anomaly's stored
    run (the earlier one when nothing changed), or None while there is no night
    after the works yet. `zones`: the works' sites (_works_zones), read once by a sweep.
    """
    from interventions.models import ImpactEvaluation, Intervention

    if intervention.site is None:
        raise ValidationError(
            {"site": _("This intervention has no site, so there is no place to measure around.")}
        )
    if intervention.status != Intervention.Status.COMPLETED or not intervention.actual_end:
        raise ValidationError({"status": _("Only completed works are measured.")})
    today = today or timezone.localdate()
    # Controls must not lie near other works carried out meanwhile.
    zones = _works_zones() if zones is None else zones
    exclude = tuple(zone for pk, zone in zones.items() if pk != intervention.pk)
    minimums, rule = estimate_settings(), match_rule()
    runs = {}
    for figure in figures_for(intervention.kind):
        estimate, windows = evaluate_site(
            site=intervention.site,
            works_start=intervention.actual_start or intervention.actual_end,
            works_end=intervention.actual_end,
            today=today,
            impact_radius_m=_impact_radius(intervention.kind),
            exclude=exclude,
            settings=minimums,
            figure=figure,
            rule=rule,
        )
        if estimate is None:
            return None  # the same windows for every figure: no night after the works yet
        values = _as_row(estimate, windows, rule)
        last = (
            intervention.evaluations.filter(figure=figure).order_by("-computed_at", "-id").first()
        )
        if last is not None and all(
            getattr(last, name) == value
            for name, value in values.items()
            # The after window's end follows the calendar (`today`), not the data: a day
            # without new nights is no new run.
            if name not in {"placebo", "missing", "match", "chart", "after_last"}
        ):
            runs[figure] = last  # nothing new since the last run: no duplicate row
        else:
            runs[figure] = ImpactEvaluation.objects.create(
                intervention=intervention, figure=figure, **values
            )
    return runs[NIGHT_FIGURE]


def evaluations_sweep(*, today: date | None = None) -> int:
    """Re-run every completed intervention with a site (new data arrives); returns runs added."""
    from interventions.models import ImpactEvaluation, Intervention

    before = ImpactEvaluation.objects.count()
    # One batch: each sensor's days are read once; the works' sites are listed once, not once
    # per intervention (that grew with the square of their number).
    zones = _works_zones()
    with series_batch():
        for intervention in Intervention.objects.filter(
            status=Intervention.Status.COMPLETED, site__isnull=False, actual_end__isnull=False
        ):
            try:
                evaluation_run(intervention=intervention, today=today, zones=zones)
            except Exception:
                # One site's degenerate data (a singular fit) must not stop every other
                # evaluation each hour; it is logged and tried again next sweep.
                logger.exception("Evaluation of intervention %s failed", intervention.pk)
    return ImpactEvaluation.objects.count() - before

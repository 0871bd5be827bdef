"""The before/after evaluation of one site: windows, series and the estimate (no storage yet).

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

from datetime import date, timedelta

from django.contrib.gis.geos import GEOSGeometry

from civic.impact_series import SeriesRequest, site_series
from civic.periods import season_bounds
from interventions.impact_estimate import (
    EstimateSettings,
    ImpactEstimate,
    Window,
    impact_estimate,
)

# The night figure every evaluation reports (a sensor network's daily statistic).
NIGHT_FIGURE = "night_anomaly"


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
) -> tuple[ImpactEstimate | None, tuple[Window, Window] | None]:
    """The estimate for the nights near `site`, or (None, None) before any night after the works."""
    windows = evaluation_windows(works_start=works_start, works_end=works_end, today=today)
    if windows is None:
        return None, None
    before, after = windows
    series = site_series(
        SeriesRequest(
            site=site,
            figure=NIGHT_FIGURE,
            start=before.first,
            end=after.last,
            impact_radius_m=impact_radius_m,
            exclude=exclude,
        )
    )
    estimate = impact_estimate(
        impact=series.impact,
        controls=series.controls,
        before=before,
        after=after,
        settings=settings,
    )
    return estimate, windows

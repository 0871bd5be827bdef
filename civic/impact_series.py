"""Nightly series near a place, for measuring an intervention's effect, without naming an app.

The app that owns the measurements (the sensor network) registers one
source; the app that evaluates interventions asks it for the series of one
figure around a site: the sensors within `impact_radius_m` and, as controls,
those between `control_min_m` and `control_max_m` that lie outside every
`exclude` zone (other interventions' sites during the windows). Distances
are taken on the sensors' exact locations inside the database; only opaque
sensor keys and values leave it, never a location.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from django.contrib.gis.geos import GEOSGeometry

# {sensor key: {day: value}}; the key is opaque (not a device id, not a place).
Series = dict[str, dict[date, float]]


@dataclass(frozen=True)
class SeriesRequest:
    """Which figure, around which site, over which days."""

    site: GEOSGeometry
    figure: str
    start: date
    end: date
    impact_radius_m: float = 150.0
    control_min_m: float = 400.0
    control_max_m: float = 1500.0
    # (geometry, radius in metres) zones no control may lie in.
    exclude: tuple[tuple[GEOSGeometry, float], ...] = ()


@dataclass(frozen=True)
class SiteSeries:
    impact: Series = field(default_factory=dict)
    controls: Series = field(default_factory=dict)


class SeriesSource(Protocol):
    def __call__(self, request: SeriesRequest) -> SiteSeries: ...


_SOURCE: list[SeriesSource] = []


def series_source_register(source: SeriesSource) -> None:
    """Register the one source of nightly series (from an AppConfig.ready())."""
    _SOURCE[:] = [source]


def site_series(request: SeriesRequest) -> SiteSeries:
    """The series around a site; empty when no app measures anything."""
    if not _SOURCE:
        return SiteSeries()
    return _SOURCE[0](request)

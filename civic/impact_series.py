"""Nightly series near a place, for measuring an intervention's effect, without naming an app.

The app that owns the measurements (the sensor network) registers one
source; the app that evaluates interventions asks it for the series of one
figure around a site: the sensors within `impact_radius_m` and, as controls,
those between `control_min_m` and `control_max_m` that lie outside every
`exclude` zone (other interventions' sites during the windows). Distances
are taken on the sensors' exact locations inside the database; only opaque
sensor keys and values leave it, never a location.

A sweep over many sites wraps its requests in `series_batch()`: inside it a
source may keep what it read for the next request (each sensor's days read
once, not once per site around it). What a batch returns is read as it was
when first read, and the series of different sites may share the same inner
dicts: read them, do not change them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
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
    """The impact sensors' series and the controls' series, by opaque sensor key."""

    impact: Series = field(default_factory=dict)
    controls: Series = field(default_factory=dict)


class SeriesSource(Protocol):
    def __call__(self, request: SeriesRequest) -> SiteSeries: ...


_SOURCE: list[SeriesSource] = []
_BATCH: ContextVar[dict | None] = ContextVar("impact_series_batch", default=None)


def series_source_register(source: SeriesSource) -> None:
    """Register the one source of nightly series (from an AppConfig.ready())."""
    _SOURCE[:] = [source]


def site_series(request: SeriesRequest) -> SiteSeries:
    """The series around a site; empty when no app measures anything."""
    if not _SOURCE:
        return SiteSeries()
    return _SOURCE[0](request)


@contextmanager
def series_batch() -> Iterator[None]:
    """Requests inside share one scratch space, so a source reads each sensor's days once."""
    token = _BATCH.set({})
    try:
        yield
    finally:
        _BATCH.reset(token)


def batch_scratch() -> dict | None:
    """The current batch's scratch space (for sources), or None outside a batch."""
    return _BATCH.get()

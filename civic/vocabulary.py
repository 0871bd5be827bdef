"""The evidence vocabulary: what each figure an app writes means, registered by that app.

Pages, the API and the priority score read a figure's label, unit, which
direction is worse and a one-line explanation from here, in the reader's
language (the texts are lazy translations of the registering app). The core
defines no figure of its own: each source registers its measures from its
AppConfig.ready(), and civic.evidence refuses rows with unregistered names.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from django.utils.formats import number_format

Direction = Literal["higher", "lower"]


@dataclass(frozen=True)
class Measure:
    """One figure of one source: `name`, or every name starting with it when `prefix`."""

    source: str
    name: str
    unit: str
    label: Any  # lazy translation
    explanation: Any  # lazy translation, one line
    # Which direction is worse for residents; None for context figures (counts, coverage).
    worse: Direction | None = None
    prefix: bool = False
    # Decimal places a page shows.
    decimals: int = 1
    # The concern it is evidence of ("heat", "wetness", ...): pages group figures by it
    # and the priority score builds its criteria from it.
    criterion: str = ""
    # The one figure that orders places for its criterion (the map's hot and wet spots).
    headline: bool = False
    # A figure that explains a criterion (a slope with a standard error in its details).
    explains: str = ""
    # Says "1 hour" / "12 hours" in the active language: (number as text, value) -> text.
    # Without it a page writes the number and the unit.
    say: Any = None
    # Says the figure as a sentence about a place: (value as text, value, period label)
    # -> e.g. "Nights here were on average 0.7 °C warmer than … in the warm season 2026".
    # Without it a page writes "<label> here: <value> in the <period>".
    sentence: Any = None

    def format(self, value: float) -> str:
        """The value with its unit, in the active language (e.g. "12 hours", "0,4 °C")."""
        number = number_format(round(value, self.decimals), decimal_pos=self.decimals)
        if self.say is not None:
            return str(self.say(number, value))
        return f"{number} {self.unit}".strip()

    def as_dict(self) -> dict:
        return {
            "label": str(self.label),
            "unit": self.unit,
            "worse": self.worse,
            "explanation": str(self.explanation),
        }


@dataclass(frozen=True)
class Source:
    """A source of evidence (an app) and what it needs from the core."""

    name: str
    label: Any  # lazy translation
    # Queues the source's recompute of its stale figures (debounced, after commit).
    queue: Any
    # Figures per dated period (sensors); False: about everything so far (survey answers).
    dated: bool = True
    # The URL name of a GeoJSON list of the source's points for the public map, which
    # takes ?period= and carries night_anomaly, wet_feet_hours and soil_moisture.
    map_layer: str = ""


_MEASURES: dict[tuple[str, str], Measure] = {}
_SOURCES: dict[str, Source] = {}


def register_source(source: Source, *measures: Measure) -> None:
    """Register an evidence source with its measures (from the app's AppConfig.ready)."""
    _SOURCES[source.name] = source
    for measure in measures:
        if measure.source != source.name:
            raise ValueError(f"{measure.name} belongs to {measure.source}, not {source.name}.")
        _MEASURES[(measure.source, measure.name)] = measure


def sources() -> dict[str, Source]:
    return dict(_SOURCES)


def map_layer_source() -> Source | None:
    """The source that draws points on the public map, if an app registered one."""
    return next((s for s in _SOURCES.values() if s.map_layer), None)


def measure_for(source: str, name: str) -> Measure | None:
    """The measure a figure's name stands for (exact names before prefixes)."""
    exact = _MEASURES.get((source, name))
    if exact is not None:
        return exact
    prefixed = [
        m for (s, n), m in _MEASURES.items() if s == source and m.prefix and name.startswith(n)
    ]
    return max(prefixed, key=lambda m: len(m.name), default=None)


def measures() -> list[Measure]:
    return list(_MEASURES.values())


def headline(criterion: str) -> Measure | None:
    """The figure that orders places for a criterion (e.g. night warmth for heat)."""
    return next((m for m in _MEASURES.values() if m.criterion == criterion and m.headline), None)


def of_criterion(criterion: str) -> list[Measure]:
    """The figures that are evidence of a criterion, headline first, in registration order."""
    found = [m for m in _MEASURES.values() if m.criterion == criterion and m.worse]
    return sorted(found, key=lambda m: not m.headline)


def explaining(criterion: str) -> Measure | None:
    return next((m for m in _MEASURES.values() if m.explains == criterion), None)

"""Layers apps add to the public map and a challenge's map, without the core naming them.

An app registers a MapLayer from its AppConfig.ready(): a label, a legend and
a function that returns its public features, for the whole map or for one
challenge. The pages hand the features to the browser as JSON data
(json_script), and static/civic/js/maps.js draws them the same way for every
layer: each feature's shape in its colour, and a popup built from text nodes
(its title and lines are whatever people typed: never markup) with a link.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from civic.models import Challenge


@dataclass(frozen=True)
class LegendEntry:
    """One colour of a layer and what it means."""

    colour: str
    label: Any  # lazy translation


@dataclass(frozen=True)
class MapFeature:
    """One shape on the map: a point or an area, with what its popup says."""

    geometry: str  # GeoJSON (WGS 84)
    title: str
    colour: str
    # Further lines of the popup, plain text in the reader's language.
    lines: tuple[str, ...] = ()
    url: str = ""
    link_label: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "geometry": self.geometry,
            "title": self.title,
            "colour": self.colour,
            "lines": [str(line) for line in self.lines],
            "url": self.url,
            "link_label": str(self.link_label),
        }


@dataclass(frozen=True)
class MapLayer:
    """A layer of public features an app adds to the maps, in `order` (lower first)."""

    key: str
    label: Any  # lazy translation: the layer control's name and the legend's heading
    # (challenge or None for the whole public map) -> the public features to draw.
    features: Callable[[Challenge | None], list[MapFeature]]
    legend: tuple[LegendEntry, ...] = field(default_factory=tuple)
    explanation: Any = ""  # lazy translation, one line under the legend's heading
    order: int = 100


_LAYERS: dict[str, MapLayer] = {}


def map_layer_register(layer: MapLayer) -> None:
    _LAYERS[layer.key] = layer


def map_layers() -> list[MapLayer]:
    return sorted(_LAYERS.values(), key=lambda layer: (layer.order, layer.key))


def map_layers_data(challenge: Challenge | None = None) -> list[dict[str, Any]]:
    """Every registered layer with its features, as the maps' scripts read them (JSON)."""
    return [
        {
            "key": layer.key,
            "label": str(layer.label),
            "explanation": str(layer.explanation),
            "legend": [{"colour": e.colour, "label": str(e.label)} for e in layer.legend],
            "features": [feature.as_dict() for feature in layer.features(challenge)],
        }
        for layer in map_layers()
    ]

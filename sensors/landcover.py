"""Importing the land-cover layer (green, paved, water, building polygons) from GeoJSON."""

from __future__ import annotations

import json

from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from sensors.evidence import surroundings_recompute
from sensors.models import LandCover

# Common names in open data (BGT, OSM-derived layers) for our four kinds.
KIND_ALIASES = {
    "green": "green",
    "groen": "green",
    "grass": "green",
    "park": "green",
    "tree": "green",
    "paved": "paved",
    "verhard": "paved",
    "paving": "paved",
    "road": "paved",
    "water": "water",
    "building": "building",
    "pand": "building",
    "gebouw": "building",
}


def landcover_import_geojson(*, text: str, source: str = "", replace: bool = True) -> int:
    """Load a FeatureCollection whose features carry a `kind`; all or nothing.

    Then recompute every sensor's green and paved shares, since they depend on it.
    """
    try:
        collection = json.loads(text)
    except ValueError:
        raise ValidationError({"file": _("This is not JSON.")}) from None
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise ValidationError({"file": _("Expected a GeoJSON FeatureCollection.")})
    rows, problems = [], []
    for index, feature in enumerate(features):
        properties = (feature or {}).get("properties") or {}
        kind = KIND_ALIASES.get(str(properties.get("kind", "")).strip().lower())
        try:
            geometry = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
        except (KeyError, TypeError, ValueError, GEOSException):
            geometry = None
        if kind is None:
            problems.append(_("feature %(i)d: unknown kind") % {"i": index})
        elif geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
            problems.append(_("feature %(i)d: not a polygon") % {"i": index})
        else:
            if geometry.geom_type == "Polygon":
                geometry = MultiPolygon(geometry, srid=4326)
            if not geometry.valid:
                geometry = geometry.buffer(0)  # repairs self-touching rings from digitising
                if geometry.geom_type == "Polygon":
                    geometry = MultiPolygon(geometry, srid=4326)
            rows.append(LandCover(kind=kind, geometry=geometry, source=source[:100]))
    if problems:
        raise ValidationError({"file": problems[:50]})
    with transaction.atomic():
        if replace:
            LandCover.objects.all().delete()
        LandCover.objects.bulk_create(rows, batch_size=1000)
    surroundings_recompute()
    return len(rows)

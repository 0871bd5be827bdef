"""Importing the land-cover layer (green, paved, water, building polygons) from GeoJSON.

Each feature of the FeatureCollection is a Polygon or MultiPolygon whose
class property (by default `kind`) names what covers the ground. By default
its value may be any of KIND_ALIASES (English and Dutch names common in open
data); a mapping names other values per kind instead, for a layer such as the
BGT or an OSM extract (`--class-property class --green grass --paved road`).
Values are compared without case and without surrounding spaces.

All or nothing: a file with any problem loads nothing, and each problem is
reported once for the whole file — a missing class property, a value that
names no kind (with how many features hold it, and the values allowed), a
feature that is no polygon — never once per feature.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping

from django.contrib.gis.geos import GEOSException, GEOSGeometry, MultiPolygon
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civic.evidence import evidence_mark_stale
from sensors.evidence import SOURCE, surroundings_recompute
from sensors.models import LandCover

DEFAULT_CLASS_PROPERTY = "kind"
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
# Feature numbers named in one message, before "…".
SHOWN_FEATURES = 5


def _norm(value) -> str:
    return str(value).strip().lower()


def landcover_value_map(mapping: Mapping[str, Iterable[str]] | None) -> dict[str, str]:
    """Source value → kind, from {kind: [values]}; without a mapping, KIND_ALIASES.

    A value given for two kinds, an unknown kind or an empty value is a
    ValidationError naming it.
    """
    if not mapping:
        return dict(KIND_ALIASES)
    values: dict[str, str] = {}
    problems = []
    for kind, sources in mapping.items():
        if kind not in LandCover.Kind.values:
            problems.append(
                _("Unknown kind %(kind)s; the kinds are %(kinds)s.")
                % {"kind": kind, "kinds": ", ".join(LandCover.Kind.values)}
            )
            continue
        for source in sources:
            value = _norm(source)
            if not value:
                problems.append(_("An empty value is given for %(kind)s.") % {"kind": kind})
            elif values.get(value, kind) != kind:
                problems.append(
                    _("The value “%(value)s” is given for both %(first)s and %(second)s.")
                    % {"value": value, "first": values[value], "second": kind}
                )
            else:
                values[value] = kind
    if problems:
        raise ValidationError({"mapping": problems})
    return values


def landcover_allowed(values: Mapping[str, str]) -> str:
    """The allowed values per kind, for --help and error messages: "green: grass, park; …"."""
    by_kind: dict[str, list[str]] = defaultdict(list)
    for value, kind in values.items():
        by_kind[kind].append(value)
    return "; ".join(
        f"{kind}: {', '.join(by_kind[kind])}" for kind in LandCover.Kind.values if by_kind[kind]
    )


def _features(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:SHOWN_FEATURES])
    return shown + (", …" if len(numbers) > SHOWN_FEATURES else "")


def landcover_import_geojson(
    *,
    text: str,
    source: str = "",
    replace: bool = True,
    class_property: str = DEFAULT_CLASS_PROPERTY,
    mapping: Mapping[str, Iterable[str]] | None = None,
    skip: Iterable[str] = (),
) -> int:
    """Load a FeatureCollection of land-cover polygons; all or nothing. Returns how many.

    `class_property` names the property holding each feature's class;
    `mapping` ({kind: [source values]}) replaces the default values; features
    whose value is in `skip` are left out. Then every sensor's green and paved
    shares are recomputed, since they depend on the layer.
    """
    values = landcover_value_map(mapping)
    skipped_values = {_norm(value) for value in skip} - {""}
    try:
        collection = json.loads(text)
    except ValueError:
        raise ValidationError({"file": _("This is not JSON.")}) from None
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        raise ValidationError({"file": _("Expected a GeoJSON FeatureCollection.")})

    rows: list[LandCover] = []
    without_class: list[int] = []
    unknown: dict[str, list[int]] = defaultdict(list)
    not_polygons: list[int] = []
    found_types: Counter[str] = Counter()
    properties_seen: Counter[str] = Counter()
    for index, feature in enumerate(features):
        feature = feature if isinstance(feature, dict) else {}
        properties = feature.get("properties")
        properties = properties if isinstance(properties, dict) else {}
        properties_seen.update(str(name) for name in properties)
        raw = properties.get(class_property)
        if raw is None or not _norm(raw):
            without_class.append(index)
            continue
        value = _norm(raw)
        if value in skipped_values:
            continue
        kind = values.get(value)
        if kind is None:
            unknown[value].append(index)
            continue
        try:
            geometry = GEOSGeometry(json.dumps(feature["geometry"]), srid=4326)
        except (KeyError, TypeError, ValueError, GEOSException):
            geometry = None
        if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon"):
            not_polygons.append(index)
            found_types[geometry.geom_type if geometry is not None else _("no geometry")] += 1
            continue
        if geometry.geom_type == "Polygon":
            geometry = MultiPolygon(geometry, srid=4326)
        if not geometry.valid:
            geometry = geometry.buffer(0)  # repairs self-touching rings from digitising
            if geometry.geom_type == "Polygon":
                geometry = MultiPolygon(geometry, srid=4326)
        rows.append(LandCover(kind=kind, geometry=geometry, source=source[:100]))

    problems = _problems(
        features=features,
        class_property=class_property,
        values=values,
        without_class=without_class,
        unknown=unknown,
        not_polygons=not_polygons,
        found_types=found_types,
        properties_seen=properties_seen,
    )
    if problems:
        raise ValidationError({"file": problems})
    with transaction.atomic():
        if replace:
            LandCover.objects.all().delete()
        LandCover.objects.bulk_create(rows, batch_size=1000)
        surroundings_recompute()
        # The green share explains night warmth in every period: all are redone.
        evidence_mark_stale(source=SOURCE)
    return len(rows)


def _problems(
    *,
    features: list,
    class_property: str,
    values: Mapping[str, str],
    without_class: list[int],
    unknown: Mapping[str, list[int]],
    not_polygons: list[int],
    found_types: Counter,
    properties_seen: Counter,
) -> list[str]:
    """One message per kind of problem, for the whole file."""
    if not features:
        return [_("The FeatureCollection holds no features.")]
    if len(without_class) == len(features):
        found = ", ".join(
            f"“{name}” ({count})" for name, count in properties_seen.most_common(10)
        ) or _("none")
        return [
            _(
                "No feature has the property “%(property)s”. Properties found (features): "
                "%(found)s. Name the property that holds the kind with --class-property."
            )
            % {"property": class_property, "found": found}
        ]
    problems = []
    if without_class:
        problems.append(
            ngettext(
                "%(n)d feature has no “%(property)s” property: feature %(features)s.",
                "%(n)d features have no “%(property)s” property: features %(features)s.",
                len(without_class),
            )
            % {
                "n": len(without_class),
                "property": class_property,
                "features": _features(without_class),
            }
        )
    if unknown:
        found = "; ".join(
            ngettext(
                "“%(value)s” (%(n)d feature: %(features)s)",
                "“%(value)s” (%(n)d features: %(features)s)",
                len(indexes),
            )
            % {"value": value, "n": len(indexes), "features": _features(indexes)}
            for value, indexes in sorted(unknown.items(), key=lambda item: -len(item[1]))
        )
        problems.append(
            _(
                "The property “%(property)s” holds values that name no kind: %(found)s. "
                "Allowed values: %(allowed)s. Map a value to a kind (e.g. --green VALUE) "
                "or leave its features out with --skip VALUE."
            )
            % {"property": class_property, "found": found, "allowed": landcover_allowed(values)}
        )
    if not_polygons:
        problems.append(
            ngettext(
                "%(n)d feature is not a polygon (found: %(types)s): feature %(features)s.",
                "%(n)d features are not polygons (found: %(types)s): features %(features)s.",
                len(not_polygons),
            )
            % {
                "n": len(not_polygons),
                "types": ", ".join(sorted(found_types)),
                "features": _features(not_polygons),
            }
        )
    return problems

"""Points whose 100 m cell centre lies across a boundary from the point itself (privacy tests)."""

from collections.abc import Callable, Iterable

from django.contrib.gis.geos import Point

from civic.cells import cell_centre

# Metres in a degree of longitude at Stadshagen's latitude (52.5° N).
METRES_PER_DEGREE_LON = 67_750


def first_point(candidates: Iterable[Point], wanted: Callable[[Point, Point], bool]) -> Point:
    """The first candidate for which wanted(point, its cell centre) holds."""
    for point in candidates:
        if wanted(point, cell_centre(point)):
            return point
    raise AssertionError("no candidate point fits: move the search")


def across_meridian(edge_lon: float, lat: float, *, point_side: str) -> Point:
    """A point within 100 m west (point_side="west") or east of the meridian `edge_lon`
    whose cell centre lies on the other side of it."""
    step = 1 / METRES_PER_DEGREE_LON
    if point_side == "west":
        candidates = (Point(edge_lon - m * step, lat, srid=4326) for m in range(1, 100))
        return first_point(candidates, lambda p, c: p.x < edge_lon < c.x)
    candidates = (Point(edge_lon + m * step, lat, srid=4326) for m in range(1, 100))
    return first_point(candidates, lambda p, c: c.x < edge_lon < p.x)

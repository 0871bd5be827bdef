"""The public 100 m grid: where a private point (a garden sensor, a survey map answer) is shown.

A private point is shown at the centre of its cell, and everything said about
it to those who may not see it exactly — the neighbourhood it lies in, which
group it is counted in — is derived from that centre, never from the point:
a neighbourhood taken from the exact point would tell which side of a
boundary a garden lies on whenever its cell straddles one.
"""

import math
from collections.abc import Sequence

from django.contrib.gis.gdal import CoordTransform, SpatialReference
from django.contrib.gis.geos import Point

CELL_M = 100
# The cells are squares of the Dutch national grid (RD New), whatever
# CIVIC_WORKING_SRID says: moving them would move every published point.
GRID_SRID = 28992

# The same centre in SQL, for a geometry expression in WGS84 (`%s`-free, so it
# can be pasted into statements that take parameters). On a cell's edge exactly,
# ST_SnapToGrid may round to the other cell; a point never lies there in practice.
CELL_CENTRE_SQL = (
    f"ST_Transform(ST_SnapToGrid(ST_Transform({{point}}, {GRID_SRID}), "
    f"{CELL_M / 2:g}, {CELL_M / 2:g}, {CELL_M}, {CELL_M}), 4326)"
)


def cell_centre(point: Point) -> Point:
    """The centre of the 100 m RD New grid cell holding `point`, in WGS84.

    Deterministic: the same point always gives the same answer, so nothing
    can be learnt by asking repeatedly (fresh random jitter could be averaged out).
    """
    return cell_centres([point])[0]


def cell_centres(points: Sequence[Point]) -> list[Point]:
    """cell_centre of each point.

    The coordinate transformations are set up once per call: setting one up
    (what `Point.transform(srid)` does every time) costs ~40 ms, transforming
    a point with it well under a millisecond.
    """
    transforms: dict[tuple[int, int], CoordTransform] = {}

    def transformed(geometry: Point, srid: int) -> Point:
        key = (geometry.srid, srid)
        if key not in transforms:
            transforms[key] = CoordTransform(SpatialReference(key[0]), SpatialReference(srid))
        moved = geometry.transform(transforms[key], clone=True)
        moved.srid = srid
        return moved

    centres = []
    for point in points:
        projected = transformed(point, GRID_SRID)
        x = (math.floor(projected.x / CELL_M) + 0.5) * CELL_M
        y = (math.floor(projected.y / CELL_M) + 0.5) * CELL_M
        centres.append(transformed(Point(x, y, srid=GRID_SRID), 4326))
    return centres

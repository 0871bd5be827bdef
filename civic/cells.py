"""The public 100 m grid: where a private point (a garden sensor, a survey map answer) is shown.

A private point is shown at the centre of its cell, and everything said about
it to those who may not see it exactly — the neighbourhood it lies in, which
group it is counted in — is derived from that centre, never from the point:
a neighbourhood taken from the exact point would tell which side of a
boundary a garden lies on whenever its cell straddles one.
"""

import math

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
    projected = point.transform(GRID_SRID, clone=True)
    x = (math.floor(projected.x / CELL_M) + 0.5) * CELL_M
    y = (math.floor(projected.y / CELL_M) + 0.5) * CELL_M
    return Point(x, y, srid=GRID_SRID).transform(4326, clone=True)

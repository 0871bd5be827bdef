"""A published map point says nothing finer than its 100 m cell: not even which side of a boundary.

The points below lie in Werkeren, just west of its border with Oost, while
the centres of their cells (where they are shown) lie in Oost. A
neighbourhood taken from the exact point — as a label, as the group that
decides whether the point is shown, or as the respondent's neighbourhood
next to it in the CSV — would tell readers which side the point is on.
"""

import csv
import io
import json

from django.contrib.gis.geos import GEOSGeometry
from django.test import Client

from civic.cells import cell_centre
from civic.models import Area
from surveys import answering
from surveys.models import Response
from surveys.results import MIN_GROUP
from tests.cells import across_meridian
from tests.conftest import WERKEREN_EAST_EDGE as EDGE
from tests.factories import CENTRE, ResidentFactory

from .conftest import K, inside
from .test_results import close, options


def border_points(count: int, neighbourhood, oost) -> list:
    """Points in Werkeren whose cell centres lie in Oost, 200 m apart along the border."""
    points = [
        across_meridian(EDGE, CENTRE[1] + 0.0018 * i, point_side="west") for i in range(count)
    ]
    for point in points:
        assert neighbourhood.geometry.covers(point)
        assert oost.geometry.covers(cell_centre(point))
    return points


def respond(survey, q, point, area=None) -> Response:
    return answering.response_submit(
        survey=survey,
        answers={
            q[K.SINGLE_CHOICE].pk: options(q, K.SINGLE_CHOICE)[0].pk,
            q[K.MAP_POINT].pk: {"point": point},
        },
        respondent=ResidentFactory(),
        area=area,
    )


def published(survey) -> list[tuple[str | None, GEOSGeometry]]:
    """(neighbourhood code, shown point) of every feature of the public GeoJSON download."""
    response = Client().get(f"/surveys/{survey.pk}/answers.geojson")
    assert response.status_code == 200
    body = json.loads(b"".join(response.streaming_content))
    return [
        (f["properties"]["neighbourhood"], GEOSGeometry(json.dumps(f["geometry"]), srid=4326))
        for f in body["features"]
    ]


def neighbourhood_code_at(point) -> str | None:
    area = Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD, geometry__covers=point).first()
    return area.code if area else None


def test_a_published_point_is_labelled_with_the_neighbourhood_it_is_shown_in(
    survey, q, officer, neighbourhood, oost
):
    for point in border_points(5, neighbourhood, oost):
        respond(survey, q, point, area=neighbourhood)
    for i in range(5):
        respond(survey, q, inside(0.001 * i), area=neighbourhood)
    close(survey, officer)

    features = published(survey)

    assert len(features) == 10
    assert [code for code, shown in features] == [
        neighbourhood_code_at(shown) for code, shown in features
    ]
    assert sorted(code for code, _ in features) == ["BU01930001"] * 5 + ["BU01930009"] * 5


def test_points_are_held_back_by_the_group_of_the_neighbourhood_they_are_shown_in(
    survey, q, officer, neighbourhood, oost
):
    # Four shown in Oost (too few: held back), five in Werkeren (shown).
    for point in border_points(4, neighbourhood, oost):
        respond(survey, q, point, area=neighbourhood)
    for i in range(5):
        respond(survey, q, inside(0.001 * i), area=neighbourhood)
    close(survey, officer)

    features = published(survey)

    shown_in = [neighbourhood_code_at(shown) for _code, shown in features]
    assert shown_in == ["BU01930001"] * 5
    assert all(shown_in.count(code) >= MIN_GROUP for code in shown_in)


def test_the_respondents_neighbourhood_from_their_map_point_is_that_of_its_cell(
    survey, q, officer, neighbourhood, oost
):
    # No neighbourhood given: it is taken from the first map point.
    [point] = border_points(1, neighbourhood, oost)

    response = respond(survey, q, point)

    assert Response.objects.get(pk=response.pk).area == oost


def test_the_csv_puts_no_neighbourhood_next_to_a_point_that_its_cell_contradicts(
    survey, q, officer, neighbourhood, oost
):
    # Five respondents name no neighbourhood (it comes from their point), five name Werkeren.
    for point in border_points(5, neighbourhood, oost):
        respond(survey, q, point)
    for i in range(5):
        respond(survey, q, inside(0.001 * i), area=neighbourhood)
    close(survey, officer)

    response = Client().get(f"/surveys/{survey.pk}/results.csv", HTTP_ACCEPT_LANGUAGE="en")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))

    column = next(name for name in rows[0] if name.endswith("Where is it too hot?"))
    pairs = [(row["neighbourhood"], GEOSGeometry(row[column], srid=4326)) for row in rows]
    assert len(pairs) == 10
    assert [code for code, _ in pairs] == [neighbourhood_code_at(point) for _, point in pairs]

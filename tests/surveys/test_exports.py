"""The open-data exports: no personal data, and the same suppression as the results page."""

import csv
import io
import json

import pytest
from django.contrib.gis.geos import GEOSGeometry, Polygon
from django.test import Client

from surveys import answering, services
from tests.factories import CENTRE, AreaFactory, ResidentFactory, square

from .conftest import K, inside
from .test_results import close, options


@pytest.fixture
def frankhuis(municipality):
    return AreaFactory(
        code="BU01930002",
        name="Frankhuis",
        parent=municipality,
        population=800,
        geometry=square(CENTRE[0] + 0.03, CENTRE[1], 0.01),
    )


@pytest.fixture
def closed(survey, q, officer, neighbourhood, frankhuis):
    """Fifteen responses to a closed survey, the survey closed.

    Werkeren 10 (six full ones, four drawing an area only), Frankhuis 4 (by
    invitation code), one with no known neighbourhood. Residents are named,
    write their name and street into the text questions and a remark with
    their map point; one map point lies alone in Frankhuis.
    """
    heat, flooding, _nothing = options(q, K.SINGLE_CHOICE)
    warm, wet, _dry = (o.pk for o in options(q, K.MULTIPLE_CHOICE))
    trees, tiles, wadi = (o.pk for o in options(q, K.RANKING))
    codes = services.invitations_generate(
        actor=officer, survey=survey, count=4, area=frankhuis, batch="brief"
    )

    def answers(i: int) -> dict:
        return {
            q[K.SHORT_TEXT].pk: f"Dobbestraat {i}",
            q[K.LONG_TEXT].pk: f"Ik ben Jan Jansen {i} en heb astma",
            q[K.SINGLE_CHOICE].pk: (heat if i < 5 else flooding).pk,
            q[K.MULTIPLE_CHOICE].pk: [warm] + ([wet] if i < 2 else []),  # wet cellar: 2
            q[K.LIKERT].pk: 4 if i < 5 else (2 if i < 9 else 1),  # 4: 5x, 2: 4x, 1: 1x
            q[K.NUMBER].pk: 100 + i,
            q[K.MAP_POINT].pk: {
                "point": inside(0.03) if i == 9 else inside(0.0005 * i),
                "text": f"Achter mijn huis {i}",
            },
            q[K.RANKING].pk: [trees, tiles, wadi] if i % 2 else [wadi, tiles, trees],
        }

    for i in range(6):
        answering.response_submit(
            survey=survey,
            answers=answers(i),
            respondent=ResidentFactory(username=f"inwoner{i}", email=f"jan{i}@mail.test"),
            area=neighbourhood,
        )
    for i, invitation in enumerate(codes, start=6):
        answering.response_submit(
            survey=survey, answers=answers(i), code=invitation.code, client_ip="203.0.113.9"
        )
    # Four drawn areas only: that question stays under the threshold.
    for i in range(4):
        answering.response_submit(
            survey=survey,
            answers={
                q[K.SINGLE_CHOICE].pk: heat.pk,
                q[K.MAP_AREA].pk: Polygon.from_bbox(
                    (CENTRE[0], CENTRE[1], CENTRE[0] + 0.002, CENTRE[1] + 0.002)
                ),
            },
            respondent=ResidentFactory(username=f"tekenaar{i}"),
            area=neighbourhood,
        )
    answering.response_submit(
        survey=survey, answers={q[K.SINGLE_CHOICE].pk: heat.pk}, respondent=ResidentFactory()
    )
    close(survey, officer)
    survey.codes = [invitation.code for invitation in codes]
    return survey


def download(url: str) -> str:
    response = Client().get(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200, response.status_code
    return b"".join(response.streaming_content).decode()


def test_the_csv_holds_no_personal_data(closed):
    text = download(f"/surveys/{closed.pk}/results.csv")

    for secret in ["inwoner", "tekenaar", "@mail.test", "Dobbestraat", "Jan Jansen", "astma"]:
        assert secret not in text, secret
    assert "Achter mijn huis" not in text  # map remarks are text too
    for code in closed.codes:
        assert code not in text
    assert "203.0.113.9" not in text
    assert str(closed.created_at.year) not in text  # no dates at all


def test_the_csv_has_a_row_per_response_in_random_order_with_labels_and_numbers(closed):
    rows = list(csv.DictReader(io.StringIO(download(f"/surveys/{closed.pk}/results.csv"))))

    assert len(rows) == 15
    assert sorted(int(row["row"]) for row in rows) == list(range(1, 16))
    header = list(rows[0])
    assert header == [
        "row",
        "neighbourhood",
        # no "1. Your street", "2. Anything else?": text; no "8. Which area floods?": 4 answers
        "3. What worries you most?",
        "4. What do you notice?",
        "5. The neighbourhood is green enough",
        "6. Hoeveel tegels in uw tuin?",
        "7. Where is it too hot?",
        "9. What first?",
    ]
    single = [row["3. What worries you most?"] for row in rows]
    assert (single.count("Heat"), single.count("Flooding")) == (10, 5)
    assert {row["9. What first?"] for row in rows if row["9. What first?"]} == {
        "Bomen > Minder tegels > Wadi",
        "Wadi > Minder tegels > Bomen",
    }
    numbers = [row["6. Hoeveel tegels in uw tuin?"] for row in rows]
    assert sorted(n for n in numbers if n) == [str(100 + i) for i in range(10)]
    points = [row["7. Where is it too hot?"] for row in rows if row["7. Where is it too hot?"]]
    assert points and all(p.startswith("POINT(6.0") for p in points)
    # Shown at the centre of their 100 m RD New cell, never where the resident clicked.
    for wkt in points:
        rd = GEOSGeometry(wkt, srid=4326).transform(28992, clone=True)
        assert abs((rd.x - 50) % 100) < 0.5 or abs((rd.x - 50) % 100) > 99.5
        assert abs((rd.y - 50) % 100) < 0.5 or abs((rd.y - 50) % 100) > 99.5


def test_the_csv_follows_suppression(closed):
    rows = list(csv.DictReader(io.StringIO(download(f"/surveys/{closed.pk}/results.csv"))))

    multiple = [row["4. What do you notice?"] for row in rows if row["4. What do you notice?"]]
    assert multiple == ["Warme nachten"] * 10  # "Natte kelder" (2 of them) is left out
    likert = [row["5. The neighbourhood is green enough"] for row in rows]
    assert sorted(v for v in likert if v) == ["4"] * 5  # 2 (4x) and 1 (1x) are left out
    # Werkeren (10) is shown; Frankhuis (4, by code) and the unknown one are not
    hoods = [row["neighbourhood"] for row in rows]
    assert (hoods.count("BU01930001"), hoods.count("")) == (10, 5)
    # map points: the lone one in Frankhuis is left out
    points = [row["7. Where is it too hot?"] for row in rows if row["7. Where is it too hot?"]]
    assert len(points) == 9


def test_the_geojson_holds_published_map_answers_with_question_and_neighbourhood_only(closed, q):
    data = json.loads(download(f"/surveys/{closed.pk}/answers.geojson"))

    assert data["type"] == "FeatureCollection"
    features = data["features"]
    assert len(features) == 9  # 10 points, minus the lone one in Frankhuis; 4 areas: none
    for feature in features:
        assert feature["geometry"]["type"] == "Point"
        assert set(feature["properties"]) == {
            "question",
            "question_position",
            "question_text",
            "kind",
            "neighbourhood",
        }
        assert feature["properties"]["question"] == q[K.MAP_POINT].pk
        assert feature["properties"]["question_text"] == "Where is it too hot?"
        assert feature["properties"]["neighbourhood"] == "BU01930001"
    text = json.dumps(data)
    for secret in ["inwoner", "Achter mijn huis", "Dobbestraat", "response", "respondent"]:
        assert secret not in text, secret


@pytest.mark.parametrize("respondents", [4, 5])
def test_map_points_appear_from_five_answers(survey, q, officer, respondents):
    heat = options(q, K.SINGLE_CHOICE)[0]
    for i in range(respondents):
        answering.response_submit(
            survey=survey,
            answers={q[K.SINGLE_CHOICE].pk: heat.pk, q[K.MAP_POINT].pk: inside(0.001 * i)},
            respondent=ResidentFactory(),
        )
    close(survey, officer)

    data = json.loads(download(f"/surveys/{survey.pk}/answers.geojson"))
    rows = list(csv.DictReader(io.StringIO(download(f"/surveys/{survey.pk}/results.csv"))))

    assert len(data["features"]) == (0 if respondents < 5 else 5)
    assert ("7. Where is it too hot?" in rows[0]) is (respondents >= 5)


def test_the_api_exports_are_the_same_files(closed):
    page = download(f"/surveys/{closed.pk}/answers.geojson")
    response = Client().get(
        f"/api/v1/surveys/{closed.pk}/answers.geojson",
        HTTP_ACCEPT="application/geo+json",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/geo+json"
    assert b"".join(response.streaming_content).decode() == page
    csv_response = Client().get(f"/api/v1/surveys/{closed.pk}/results.csv", HTTP_ACCEPT="text/csv")
    assert csv_response.status_code == 200
    assert csv_response["Content-Type"].startswith("text/csv")

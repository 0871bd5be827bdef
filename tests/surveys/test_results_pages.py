"""The results page and the results API, as officers, council members and the public reach them."""

import json
import re

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from .conftest import K, inside
from .test_results import close, options, submit, survey_in, user_for


@pytest.fixture
def answered(survey, q, neighbourhood):
    """Six responses with texts, choices and map points."""
    for i in range(6):
        submit(
            survey,
            q,
            single=0 if i < 5 else 1,
            **{
                K.SHORT_TEXT: f"Geheime tekst {i}",
                K.LIKERT: 3,
                K.NUMBER: 10 * i,
                K.MAP_POINT: inside(0.001 * i),
                K.RANKING: [o.pk for o in options(q, K.RANKING)],
            },
        )
    return survey


def client_for(role: str, request):
    from django.test import Client

    client = Client()
    if role != "anonymous":
        client.force_login(user_for(role, request))
    return client


@pytest.fixture
def api_client_for(request):
    """api_client_for("officer") answers an APIClient signed in as that fixture's user."""

    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(request.getfixturevalue(role))
        return client

    return make


def test_the_url_is_named(survey):
    assert reverse("surveys:results", args=[survey.pk]) == f"/surveys/{survey.pk}/results/"
    assert reverse("surveys:results_csv", args=[survey.pk]) == f"/surveys/{survey.pk}/results.csv"
    assert reverse("survey-results", args=[survey.pk]) == f"/api/v1/surveys/{survey.pk}/results/"


def test_the_page_draws_charts_tables_and_the_map(request, answered, q):
    response = client_for("officer", request).get(
        f"/surveys/{answered.pk}/results/", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    html = response.content.decode()
    # a server-drawn SVG chart with its table alternative, per choice question
    # single choice, Likert, ranking (nobody answered the multiple choice: no chart)
    assert html.count('<svg viewBox="0 0 560') == 3
    assert f'aria-labelledby="chart-{q[K.SINGLE_CHOICE].pk}-title' in html
    assert "<table" in html and "Respondents" in html
    # Likert mean and number statistics
    assert "Mean: 3.0" in html
    assert "Median" in html and "Highest" in html
    # the map: container, outlines from the area API, answers from the GeoJSON export
    assert 'id="results-map"' in html
    assert f'data-answers-url="/surveys/{answered.pk}/answers.geojson"' in html
    assert "surveys/js/results_map.js" in html
    assert 'id="neighbourhood-figures"' in html
    assert 'id="neighbourhood-table"' in html and "Werkeren" in html
    # the officer reads the texts, and is told the results are still running
    assert "Geheime tekst 3" in html
    assert 'id="results-running"' in html
    # nothing from a CDN
    assert not re.search(r"""(?:src|href)=["']https?://""", html)


def test_the_choropleth_colours_and_legend_come_from_the_page(request, answered, municipality):
    from tests.factories import CENTRE, AreaFactory, square

    AreaFactory(
        code="BU01930009",
        name="Stil",
        parent=municipality,
        geometry=square(CENTRE[0] - 0.03, CENTRE[1], 0.01),
    )
    response = client_for("officer", request).get(
        f"/surveys/{answered.pk}/results/", HTTP_ACCEPT_LANGUAGE="en"
    )

    figures = json.loads(
        re.search(
            r'<script id="neighbourhood-figures" type="application/json">(.*?)</script>',
            response.content.decode(),
            re.S,
        ).group(1)
    )
    # 6 of 2,500 = 2.4 per 1,000, the highest: the darkest of four classes of 0.6
    assert figures["BU01930001"] == {
        "colour": "#08306b",
        "label": "Werkeren: 6 responses, 2.4 per 1,000 inhabitants",
    }
    assert figures["BU01930009"] == {"colour": "#f7fbff", "label": "Stil: no responses"}
    html = response.content.decode()
    assert "more than 1.8, up to 2.4" in html
    assert "no responses" in html


def test_the_ranking_chart_is_there_too(request, answered, q):
    html = client_for("officer", request).get(f"/surveys/{answered.pk}/results/").content.decode()

    assert f'aria-labelledby="chart-{q[K.RANKING].pk}-title' in html
    assert f'aria-labelledby="chart-{q[K.LIKERT].pk}-title' in html


def test_council_members_see_running_figures_but_no_texts(request, answered):
    response = client_for("council", request).get(
        f"/surveys/{answered.pk}/results/", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert "Geheime tekst" not in html


def test_the_page_is_in_dutch_by_default(request, answered, officer):
    close(answered, officer)

    html = client_for("anonymous", request).get(f"/surveys/{answered.pk}/results/").content
    html = html.decode()

    assert '<html lang="nl">' in html
    assert "Geheime tekst" not in html


@pytest.mark.parametrize(
    ("status", "role", "code"),
    [
        ("draft", "anonymous", 404),
        ("draft", "council", 404),
        ("draft", "officer", 200),
        ("open", "anonymous", 403),
        ("open", "resident", 403),
        ("open", "council", 200),
        ("open", "admin_user", 200),
        ("closed", "anonymous", 200),
        ("archived", "resident", 200),
    ],
)
def test_page_api_and_exports_answer_by_role_and_status(request, officer, status, role, code):
    survey = survey_in(status, request, officer)
    page = client_for(role, request)
    api = APIClient()
    if role != "anonymous":
        api.force_authenticate(user_for(role, request))

    for url in (
        f"/surveys/{survey.pk}/results/",
        f"/surveys/{survey.pk}/results.csv",
        f"/surveys/{survey.pk}/answers.geojson",
    ):
        assert page.get(url).status_code == code, url
    for url in (
        f"/api/v1/surveys/{survey.pk}/results/",
        f"/api/v1/surveys/{survey.pk}/results.csv",
        f"/api/v1/surveys/{survey.pk}/answers.geojson",
    ):
        assert api.get(url).status_code == code, url


def test_the_public_is_told_when_results_come(request, survey):
    response = client_for("anonymous", request).get(
        f"/surveys/{survey.pk}/results/", HTTP_ACCEPT_LANGUAGE="en"
    )

    assert response.status_code == 403
    assert "published when it closes" in response.content.decode()


def test_an_unknown_survey_is_404(db):
    assert APIClient().get("/api/v1/surveys/999999/results/").status_code == 404


def test_the_api_gives_the_figures_suppressed_and_texts_to_officers_only(
    api_client_for, answered, q
):
    officer_body = api_client_for("officer").get(f"/api/v1/surveys/{answered.pk}/results/").json()
    council_body = api_client_for("council").get(f"/api/v1/surveys/{answered.pk}/results/").json()

    assert officer_body["min_group"] == 5 and officer_body["responses"]["count"] == 6
    questions = {item["id"]: item for item in officer_body["questions"]}
    single = questions[q[K.SINGLE_CHOICE].pk]["options"]
    # heat 5, flooding 1: the 1 is small, heat would give it away (6 - 5)
    assert [o["chosen"]["suppressed"] for o in single] == ["complementary", "small", None]
    assert single[1]["chosen"] == {"count": None, "share": None, "suppressed": "small"}
    assert questions[q[K.LIKERT].pk]["mean"] == 3.0
    assert questions[q[K.NUMBER].pk]["number"] == {
        "n": 6,
        "mean": 25.0,
        "median": 25.0,
        "minimum": 0.0,
        "maximum": 50.0,
    }
    assert questions[q[K.MAP_POINT].pk]["map_shown"] == 6
    assert len(questions[q[K.SHORT_TEXT].pk]["texts"]) == 6
    assert officer_body["texts_included"] is True
    assert council_body["texts_included"] is False
    assert all(item["texts"] is None for item in council_body["questions"])
    assert "Geheime" not in str(council_body)
    assert officer_body["links"]["geojson"].endswith(
        f"/api/v1/surveys/{answered.pk}/answers.geojson"
    )
    assert officer_body["links"]["page"].endswith(f"/surveys/{answered.pk}/results/")


def test_the_schema_documents_results_and_exports(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()
    paths = {path for path in schema["paths"] if "/results" in path or "answers.geojson" in path}

    assert any(path.endswith("/results/") for path in paths)
    assert any(path.endswith("/results.csv") for path in paths)
    assert any(path.endswith("/answers.geojson") for path in paths)
    results_path = next(path for path in paths if path.endswith("/results/"))
    body = schema["paths"][results_path]["get"]["responses"]["200"]["content"]["application/json"]
    assert body["schema"]["$ref"].endswith("/SurveyResults")

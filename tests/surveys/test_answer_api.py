"""Answering a survey through the API: every kind, codes, changes, closed and draft surveys."""

import uuid
from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from civic.models import Area, Concern
from civic.workflow import transition
from surveys import answering, services
from surveys.models import Response, Survey
from tests.factories import CENTRE, AreaFactory, square

from .conftest import K

pytestmark = pytest.mark.django_db


def responses_url(survey) -> str:
    return f"/api/v1/surveys/{survey.pk}/responses/"


def mine_url(survey) -> str:
    return f"/api/v1/surveys/{survey.pk}/my-response/"


def geojson_point(dx: float = 0.0, dy: float = 0.0) -> dict:
    return {"type": "Point", "coordinates": [CENTRE[0] + dx, CENTRE[1] + dy]}


def geojson_square(dx: float = 0.0, half: float = 0.001) -> dict:
    lon, lat = CENTRE[0] + dx, CENTRE[1]
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return {"type": "Polygon", "coordinates": [ring]}


def options(question) -> list[int]:
    return [o.pk for o in question.options.all()]


def full(q) -> dict[str, object]:
    """A valid answer to every question, keyed by question id as JSON keys are."""
    return {
        str(q[K.SHORT_TEXT].pk): "Dobbestraat",
        str(q[K.LONG_TEXT].pk): "Het is hier 's nachts warm.",
        str(q[K.SINGLE_CHOICE].pk): options(q[K.SINGLE_CHOICE])[0],
        str(q[K.MULTIPLE_CHOICE].pk): options(q[K.MULTIPLE_CHOICE])[:2],
        str(q[K.LIKERT].pk): 2,
        str(q[K.NUMBER].pk): 120,
        str(q[K.MAP_POINT].pk): {"point": geojson_point(0.001), "text": "Plein zonder bomen"},
        str(q[K.MAP_AREA].pk): geojson_square(),
        str(q[K.RANKING].pk): list(reversed(options(q[K.RANKING]))),
    }


def fresh_address() -> str:
    """A client address of its own, so the answer throttle counts only this test's requests."""
    n = uuid.uuid4().int
    return f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}"


def api(user=None) -> APIClient:
    """An English-speaking client with an address of its own, signed in as `user` if given."""
    client = APIClient(REMOTE_ADDR=fresh_address(), HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def anon():
    return api()


@pytest.fixture
def as_resident(resident):
    return api(resident)


@pytest.fixture
def code(survey, officer, neighbourhood):
    (invitation,) = services.invitations_generate(
        actor=officer, survey=survey, count=1, area=neighbourhood, batch="brief 1"
    )
    return invitation.code


def close(survey, officer) -> None:
    transition(survey, Survey.Status.CLOSED, actor=officer)


# ---------------------------------------------------------------- a resident answers


def test_a_resident_answers_every_kind_and_gets_201_with_the_answers_back(
    as_resident, survey, q, resident
):
    response = as_resident.post(
        responses_url(survey),
        {"answers": full(q), "neighbourhood": "BU01930001"},
        format="json",
    )

    assert response.status_code == 201, response.json()
    body = response.json()
    stored = Response.objects.get()
    assert body["id"] == stored.pk and body["survey"] == survey.pk
    assert stored.respondent == resident and stored.client_hash == ""
    assert body["neighbourhood"] == "BU01930001"
    assert body["consent_publish"] is False and body["concerns"] == {}
    answers = body["answers"]
    assert answers[str(q[K.SHORT_TEXT].pk)] == "Dobbestraat"
    assert answers[str(q[K.SINGLE_CHOICE].pk)] == options(q[K.SINGLE_CHOICE])[0]
    assert answers[str(q[K.MULTIPLE_CHOICE].pk)] == options(q[K.MULTIPLE_CHOICE])[:2]
    assert answers[str(q[K.LIKERT].pk)] == 2
    assert answers[str(q[K.NUMBER].pk)] == 120
    assert answers[str(q[K.RANKING].pk)] == list(reversed(options(q[K.RANKING])))
    point = answers[str(q[K.MAP_POINT].pk)]
    assert point["text"] == "Plein zonder bomen"
    assert point["point"]["type"] == "Point"
    assert point["point"]["coordinates"] == pytest.approx([CENTRE[0] + 0.001, CENTRE[1]])
    assert answers[str(q[K.MAP_AREA].pk)]["type"] == "Polygon"
    by_kind = {a.question.kind: a for a in stored.answers.select_related("question")}
    assert by_kind[K.MAP_POINT].point.x == pytest.approx(CENTRE[0] + 0.001)
    assert by_kind[K.MAP_AREA].polygon.contains(by_kind[K.MAP_AREA].polygon.centroid)


def test_a_map_point_may_be_a_bare_geojson_point(as_resident, survey, q):
    answers = full(q)
    answers[str(q[K.MAP_POINT].pk)] = geojson_point()

    response = as_resident.post(responses_url(survey), {"answers": answers}, format="json")

    assert response.status_code == 201
    assert response.json()["answers"][str(q[K.MAP_POINT].pk)]["text"] == ""


def test_a_resident_changes_their_answers_gets_200_and_keeps_one_response(as_resident, survey, q):
    as_resident.post(responses_url(survey), {"answers": full(q)}, format="json")
    again = full(q)
    again[str(q[K.NUMBER].pk)] = 3
    del again[str(q[K.LONG_TEXT].pk)]

    response = as_resident.post(responses_url(survey), {"answers": again}, format="json")

    assert response.status_code == 200
    assert response.json()["answers"][str(q[K.NUMBER].pk)] == 3
    assert str(q[K.LONG_TEXT].pk) not in response.json()["answers"]
    assert Response.objects.count() == 1


def test_consent_turns_a_map_point_into_a_concern_without_consent_none(
    as_resident, survey, q, other_resident
):
    response = as_resident.post(
        responses_url(survey), {"answers": full(q), "consent_publish": True}, format="json"
    )

    assert response.status_code == 201
    concern = Concern.objects.get()
    assert response.json()["concerns"] == {str(q[K.MAP_POINT].pk): concern.pk}
    assert concern.source == Concern.Source.SURVEY and concern.status == "submitted"
    assert concern.location.x == pytest.approx(CENTRE[0] + 0.001)

    other = api(other_resident)
    response = other.post(responses_url(survey), {"answers": full(q)}, format="json")

    assert response.status_code == 201 and response.json()["concerns"] == {}
    assert Concern.objects.count() == 1


# ---------------------------------------------------------------- bad answers


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (K.SHORT_TEXT, "x" * 201, "Use at most 200 characters."),
        (K.SHORT_TEXT, 12, "Give text."),
        (K.LONG_TEXT, "x" * 5001, "Use at most 5000 characters."),
        (K.SINGLE_CHOICE, 999999, "This option does not exist."),
        (K.SINGLE_CHOICE, "Heat", "Choose by option id."),
        (K.MULTIPLE_CHOICE, [999999], "This option does not exist."),
        (K.LIKERT, 6, "Choose 1 to 5."),
        (K.LIKERT, 2.5, "Choose 1 to 5."),
        (K.NUMBER, 501, "Give a number from 0 to 500."),
        (K.NUMBER, "12", "Give a number."),
        (K.MAP_POINT, geojson_point(0.2), "This point lies outside the survey's area."),
        (K.MAP_POINT, geojson_square(), "Put a point on the map."),
        (K.MAP_POINT, "52.5,6.0", "Put a point on the map."),
        (K.MAP_POINT, {"type": "Point", "coordinates": "nope"}, "This is not GeoJSON geometry"),
        (K.MAP_AREA, {"type": "Polygon", "coordinates": [[1, 2]]}, "This is not GeoJSON geometry"),
        (K.MAP_AREA, {"coordinates": []}, "Send a GeoJSON geometry object."),
        (
            K.MAP_POINT,
            {**geojson_point(), "crs": {"type": "name", "properties": {"name": "EPSG:28992"}}},
            "GeoJSON is always WGS84 longitude/latitude; leave out “crs”.",
        ),
        (
            K.MAP_POINT,
            {"type": "Point", "coordinates": [CENTRE[0], CENTRE[1], 3.0]},
            "Give two coordinates: longitude and latitude.",
        ),
        (K.MAP_POINT, {"where": geojson_point()}, 'Send a GeoJSON Point, or {"point"'),
        (K.MAP_AREA, geojson_point(), "Draw a valid area on the map."),
        (K.MAP_AREA, geojson_square(dx=0.3), "This area lies (partly) outside the survey's area."),
        (K.RANKING, "first", "Choose by option id."),
    ],
)
def test_a_bad_answer_answers_400_naming_its_question_and_stores_nothing(
    as_resident, survey, q, kind, value, message
):
    answers = full(q)
    answers[str(q[kind].pk)] = value

    response = as_resident.post(
        responses_url(survey), {"answers": answers, "consent_publish": True}, format="json"
    )

    assert response.status_code == 400
    problems = response.json()["answers"]
    assert list(problems) == [str(q[kind].pk)]
    if message is not None:
        assert problems[str(q[kind].pk)][0].startswith(message)
    assert not Response.objects.exists() and not Concern.objects.exists()


def test_a_ranking_must_order_every_option(as_resident, survey, q):
    answers = full(q)
    answers[str(q[K.RANKING].pk)] = options(q[K.RANKING])[:2]

    response = as_resident.post(responses_url(survey), {"answers": answers}, format="json")

    assert response.status_code == 400
    assert response.json() == {"answers": {str(q[K.RANKING].pk): ["Put every option in order."]}}


def test_a_bad_map_answer_and_other_bad_answers_are_all_named_at_once(as_resident, survey, q):
    answers = full(q)
    answers[str(q[K.MAP_AREA].pk)] = {"type": "Polygon", "coordinates": [[1, 2]]}
    answers[str(q[K.LIKERT].pk)] = 9
    del answers[str(q[K.SINGLE_CHOICE].pk)]
    answers["999999"] = "?"

    response = as_resident.post(responses_url(survey), {"answers": answers}, format="json")

    assert response.status_code == 400
    problems = response.json()["answers"]
    assert set(problems) == {
        str(q[K.MAP_AREA].pk),
        str(q[K.LIKERT].pk),
        str(q[K.SINGLE_CHOICE].pk),
        "999999",
    }
    assert problems[str(q[K.SINGLE_CHOICE].pk)] == ["Answer this question."]
    assert problems["999999"] == ["No such question in this survey."]
    assert problems[str(q[K.LIKERT].pk)] == ["Choose 1 to 5."]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "answers"),
        ({"answers": [1, 2]}, "answers"),
        ({"answers": {}, "consent": True}, "consent"),
        ({"answers": {}, "consent_publish": "perhaps"}, "consent_publish"),
        ({"answers": {}, "neighbourhood": "BU99999999"}, "neighbourhood"),
    ],
)
def test_other_bad_input_answers_400_naming_the_field(as_resident, survey, q, body, field):
    response = as_resident.post(responses_url(survey), body, format="json")

    assert response.status_code == 400
    assert field in response.json(), response.json()
    assert not Response.objects.exists()


def test_a_neighbourhood_outside_the_surveys_area_is_refused(as_resident, survey, q):
    AreaFactory(code="BU09999999", geometry=square(CENTRE[0] + 1, CENTRE[1], 0.01))

    response = as_resident.post(
        responses_url(survey), {"answers": full(q), "neighbourhood": "BU09999999"}, format="json"
    )

    assert response.status_code == 400
    assert list(response.json()) == ["neighbourhood"]


# ---------------------------------------------------------------- codes


def test_an_invitation_code_answers_once_whatever_its_case_and_dashes(anon, survey, q, code):
    typed = f"{code[:4].lower()}-{code[4:].lower()} "

    response = anon.post(
        responses_url(survey),
        {"answers": full(q), "code": typed, "consent_publish": True},
        format="json",
    )

    assert response.status_code == 201, response.json()
    stored = Response.objects.get()
    assert stored.invitation.code == code and stored.respondent is None
    assert stored.area.code == "BU01930001"  # the letter's neighbourhood
    assert Concern.objects.get().author is None
    again = anon.post(responses_url(survey), {"answers": full(q), "code": code}, format="json")
    assert again.status_code == 400
    assert again.json() == {"code": ["This code has been used already."]}
    assert Response.objects.count() == 1


def test_an_anonymous_answer_keeps_no_ip_address_in_clear(survey, q, code):
    client = api()
    address = client.defaults["REMOTE_ADDR"]

    client.post(responses_url(survey), {"answers": full(q), "code": code}, format="json")

    stored = Response.objects.get()
    assert stored.client_hash == answering.client_hash(address)
    row = Response.objects.filter(pk=stored.pk).values().get()
    assert not any(address in str(value) for value in row.values())


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("NOPE2345", "This code is not valid for this survey."),
        ("", "Answer either signed in or with an invitation code."),
        (None, "Answer either signed in or with an invitation code."),
    ],
)
def test_an_unknown_or_missing_code_answers_400_on_code(anon, survey, q, given, message):
    body = {"answers": full(q)}
    if given is not None:
        body["code"] = given

    response = anon.post(responses_url(survey), body, format="json")

    assert response.status_code == 400
    assert response.json() == {"code": [message]}
    assert not Response.objects.exists()


def test_a_signed_in_resident_does_not_also_send_a_code(as_resident, survey, q, code):
    response = as_resident.post(
        responses_url(survey), {"answers": full(q), "code": code}, format="json"
    )

    assert response.status_code == 400 and list(response.json()) == ["code"]


def test_a_code_for_another_survey_is_not_valid_here(anon, survey, q, officer, code):
    other = services.survey_copy(actor=officer, survey=survey)
    transition(other, Survey.Status.OPEN, actor=officer)

    required = other.questions.get(kind=K.SINGLE_CHOICE)
    answers = {str(required.pk): options(required)[0]}

    response = anon.post(responses_url(other), {"answers": answers, "code": code}, format="json")

    assert response.status_code == 400
    assert response.json() == {"code": ["This code is not valid for this survey."]}


def test_answers_without_an_account_are_throttled_per_address(survey, q, code):
    client = api()
    rates = {"anon": "600/hour", "user": "3000/hour", "survey_answer": "2/hour"}
    with override_settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": rates}):
        answers = [
            client.post(
                responses_url(survey), {"answers": {}, "code": "WRONG"}, format="json"
            ).status_code
            for _ in range(3)
        ]

    assert answers == [400, 400, 429]


def test_signed_in_residents_are_not_throttled_as_anonymous(as_resident, survey, q):
    rates = {"anon": "600/hour", "user": "3000/hour", "survey_answer": "1/hour"}
    with override_settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": rates}):
        answers = [
            as_resident.post(responses_url(survey), {"answers": full(q)}, format="json")
            for _ in range(3)
        ]

    assert [a.status_code for a in answers] == [201, 200, 200]


# ---------------------------------------------------------------- closed, draft, unknown


def test_a_closed_survey_answers_400_on_survey(as_resident, survey, q, officer):
    close(survey, officer)

    response = as_resident.post(responses_url(survey), {"answers": full(q)}, format="json")

    assert response.status_code == 400
    assert response.json() == {"survey": ["This survey is not open for answers."]}


def test_a_survey_past_its_closing_date_takes_no_answers(as_resident, survey, q, officer):
    services.survey_update(
        actor=officer,
        survey=survey,
        opens_at=timezone.now() - timedelta(days=10),
        closes_at=timezone.now() - timedelta(days=1),
    )

    response = as_resident.post(responses_url(survey), {"answers": full(q)}, format="json")

    assert response.status_code == 400 and list(response.json()) == ["survey"]


@pytest.mark.parametrize("who", ["anonymous", "resident"])
def test_a_draft_survey_is_404_to_everyone_but_officers(draft_survey, resident, who):
    client = api(resident if who == "resident" else None)

    response = client.post(responses_url(draft_survey), {"answers": {}}, format="json")

    assert response.status_code == 404
    assert client.get(mine_url(draft_survey)).status_code in (401, 403, 404)


def test_an_officer_sees_a_draft_but_cannot_answer_it(draft_survey, officer):
    client = api(officer)

    response = client.post(responses_url(draft_survey), {"answers": {}}, format="json")

    assert response.status_code == 400 and list(response.json()) == ["survey"]


def test_an_unknown_survey_is_404(as_resident, db):
    response = as_resident.post("/api/v1/surveys/999999/responses/", {"answers": {}}, format="json")

    assert response.status_code == 404


# ---------------------------------------------------------------- my response


def test_my_response_is_404_until_answered_then_the_answers_to_send_back(as_resident, survey, q):
    assert as_resident.get(mine_url(survey)).status_code == 404
    as_resident.post(
        responses_url(survey), {"answers": full(q), "neighbourhood": "BU01930001"}, format="json"
    )

    mine = as_resident.get(mine_url(survey))

    assert mine.status_code == 200
    body = mine.json()
    assert body["neighbourhood"] == "BU01930001"
    assert body["answers"][str(q[K.SHORT_TEXT].pk)] == "Dobbestraat"
    # What an app reads back it can send back unchanged.
    again = as_resident.post(
        responses_url(survey),
        {"answers": body["answers"], "neighbourhood": body["neighbourhood"]},
        format="json",
    )
    assert again.status_code == 200
    assert again.json()["answers"] == body["answers"]


def test_my_response_shows_only_ones_own(as_resident, survey, q, other_resident):
    api(other_resident).post(responses_url(survey), {"answers": full(q)}, format="json")

    assert as_resident.get(mine_url(survey)).status_code == 404


def test_my_response_needs_an_account(anon, survey):
    assert anon.get(mine_url(survey)).status_code in (401, 403)


def test_the_endpoints_are_in_the_openapi_schema(db):
    schema = APIClient().get("/api/schema/", {"format": "json"}).json()

    post = schema["paths"]["/api/v1/surveys/{survey_id}/responses/"]["post"]
    assert {"200", "201", "400", "404"} <= set(post["responses"])
    body = post["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][body.rsplit("/", 1)[1]]["properties"]
    assert {"answers", "code", "neighbourhood", "consent_publish"} <= set(fields)
    assert "get" in schema["paths"]["/api/v1/surveys/{survey_id}/my-response/"]


def test_the_neighbourhoods_offered_are_those_inside_the_surveys_area(survey):
    from surveys.selectors import survey_neighbourhoods

    AreaFactory(code="BU09999999", geometry=square(CENTRE[0] + 1, CENTRE[1], 0.01))

    codes = [a.code for a in survey_neighbourhoods(survey=survey)]

    assert codes == ["BU01930001"]
    assert Area.objects.filter(kind=Area.Kind.NEIGHBOURHOOD).count() == 2

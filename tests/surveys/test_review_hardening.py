"""Defects found in review: odd input that was a 500, and answers lost to a retired theme.

Each test checks what a user sees (status and message naming the field) and
that nothing was written.
"""

import pytest
from django.urls import reverse

from civic.models import Concern
from surveys.models import Answer, Invitation, Option, Response, Survey
from tests.factories import CENTRE

from .conftest import K
from .test_answer_api import api, full, responses_url

pytestmark = pytest.mark.django_db

NUL = "\u0000"


def nothing_stored() -> bool:
    return not (Response.objects.exists() or Answer.objects.exists() or Concern.objects.exists())


@pytest.mark.parametrize("kind", [K.SHORT_TEXT, K.LONG_TEXT])
def test_a_nul_character_in_a_text_answer_is_400_on_its_question(resident, survey, q, kind):
    answers = {**full(q), str(q[kind].pk): f"Dobbe{NUL}straat"}

    response = api(resident).post(
        responses_url(survey), {"answers": answers, "consent_publish": True}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {
        "answers": {str(q[kind].pk): ["Remove the null character (U+0000) from the text."]}
    }
    assert nothing_stored()


def test_a_nul_character_in_a_map_remark_is_400_on_its_question(resident, survey, q):
    point = {"type": "Point", "coordinates": [CENTRE[0], CENTRE[1]]}
    answers = {**full(q), str(q[K.MAP_POINT].pk): {"point": point, "text": f"Plein{NUL}"}}

    response = api(resident).post(
        responses_url(survey), {"answers": answers, "consent_publish": True}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["answers"] == {
        str(q[K.MAP_POINT].pk): ["Remove the null character (U+0000) from the text."]
    }
    assert nothing_stored()


@pytest.mark.parametrize("number", [10**400, -(10**400)])
def test_a_number_too_big_for_a_float_is_400_on_its_question(resident, survey, q, number):
    # JSON integers have no limit; float() of this one raised OverflowError (a 500).
    answers = {**full(q), str(q[K.NUMBER].pk): number}

    response = api(resident).post(responses_url(survey), {"answers": answers}, format="json")

    assert response.status_code == 400
    assert response.json()["answers"] == {str(q[K.NUMBER].pk): ["Give a number."]}
    assert nothing_stored()


def test_a_nul_character_in_the_area_code_of_a_new_survey_is_400_on_area(officer, municipality):
    response = api(officer).post(
        "/api/v1/surveys/", {"title_nl": "Hitte", "area": f"GM{NUL}0193"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"area": ["Null characters are not allowed."]}
    assert not Survey.objects.exists()


def test_a_nul_character_in_the_area_code_of_a_change_is_400_on_area(officer, survey):
    response = api(officer).patch(f"/api/v1/surveys/{survey.pk}/", {"area": NUL}, format="json")

    assert response.status_code == 400
    assert response.json() == {"area": ["Null characters are not allowed."]}
    survey.refresh_from_db()
    assert survey.area.code == "GM0193"


def test_a_nul_character_in_the_neighbourhood_of_codes_is_400_on_neighbourhood(officer, survey):
    response = api(officer).post(
        f"/api/v1/surveys/{survey.pk}/invitations/",
        {"count": 3, "neighbourhood": NUL},
        format="json",
    )

    assert response.status_code == 400
    assert response.json() == {"neighbourhood": ["Null characters are not allowed."]}
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("name", ["batch", "neighbourhood"])
def test_a_nul_character_in_a_codes_csv_filter_is_400_naming_it(officer, survey, name):
    response = api(officer).get(f"/api/v1/surveys/{survey.pk}/invitations.csv", {name: "a\x00"})

    assert response.status_code == 400
    assert response.json() == {name: ["Null characters are not allowed."]}


def test_an_option_is_not_added_by_hand_to_an_answered_question(
    client, officer, resident, survey, q
):
    api(resident).post(responses_url(survey), {"answers": full(q)}, format="json")
    assert Response.objects.count() == 1
    ranking = q[K.RANKING]
    client.force_login(officer)

    response = client.post(
        reverse("admin:surveys_option_add"),
        {"question": ranking.pk, "position": 9, "label_nl": "Later toegevoegd", "label_en": ""},
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert errors == ["This survey has responses; copy it to change its questions."]
    assert not Option.objects.filter(question=ranking, position=9).exists()


def test_a_theme_retired_while_the_survey_runs_does_not_refuse_the_response(
    resident, survey, q, heat
):
    # The map-point question names heat; an officer retires the theme meanwhile.
    assert q[K.MAP_POINT].theme == heat
    heat.is_active = False
    heat.save(update_fields=["is_active"])

    response = api(resident).post(
        responses_url(survey), {"answers": full(q), "consent_publish": True}, format="json"
    )

    assert response.status_code == 201, response.json()
    assert response.json()["concerns"] == {}
    answer = Answer.objects.get(question=q[K.MAP_POINT])
    assert answer.point is not None and answer.concern is None
    assert not Concern.objects.exists()

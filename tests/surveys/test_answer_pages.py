"""Answering a survey through its pages: the list, the form of every kind, codes, errors, thanks."""

import json
import re
import uuid
from datetime import timedelta

import pytest
from django.test import Client, override_settings
from django.test.html import Element, parse_html
from django.utils import timezone

from civic.models import Concern
from civic.workflow import transition
from surveys import answering, services
from surveys.models import Response, Survey
from tests.factories import CENTRE

from .conftest import K

pytestmark = pytest.mark.django_db


# ------------------------------------------------------------------ helpers
def browser(user=None) -> Client:
    """An English-speaking browser with an address of its own (the answer throttle counts it)."""
    n = uuid.uuid4().int
    client = Client(
        HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR=f"10.{n % 250}.{(n >> 8) % 250}.{(n >> 16) % 250}"
    )
    if user is not None:
        client.force_login(user)
    return client


def walk(node):
    if isinstance(node, Element):
        yield node
        for child in node.children:
            yield from walk(child)


def text_of(node) -> str:
    if isinstance(node, str):
        return node
    return " ".join(" ".join(text_of(child) for child in node.children).split())


def element(html: str, element_id: str) -> Element | None:
    for el in walk(parse_html(html)):
        if dict(el.attributes).get("id") == element_id:
            return el
    return None


def block(response, question) -> Element:
    found = element(response.content.decode(), f"question-{question.pk}")
    assert found is not None, f"no block for question {question.pk}"
    return found


def inputs(node: Element) -> list[dict]:
    return [
        {"tag": el.name, **dict(el.attributes)}
        for el in walk(node)
        if el.name in {"input", "textarea", "select"}
    ]


def point_json(dx: float = 0.0) -> str:
    return json.dumps({"type": "Point", "coordinates": [CENTRE[0] + dx, CENTRE[1]]})


def square_json(half: float = 0.001) -> str:
    lon, lat = CENTRE
    ring = [
        [lon - half, lat - half],
        [lon + half, lat - half],
        [lon + half, lat + half],
        [lon - half, lat + half],
        [lon - half, lat - half],
    ]
    return json.dumps({"type": "Polygon", "coordinates": [ring]})


def options(question) -> list[int]:
    return [o.pk for o in question.options.all()]


def form_data(q, **extra) -> dict:
    """What a browser sends for a complete, valid form (most important ranked option first)."""
    ranking = options(q[K.RANKING])
    data = {
        f"q{q[K.SHORT_TEXT].pk}": "Dobbestraat",
        f"q{q[K.LONG_TEXT].pk}": "Het is hier 's nachts warm.",
        f"q{q[K.SINGLE_CHOICE].pk}": str(options(q[K.SINGLE_CHOICE])[0]),
        f"q{q[K.MULTIPLE_CHOICE].pk}": [str(o) for o in options(q[K.MULTIPLE_CHOICE])[:2]],
        f"q{q[K.LIKERT].pk}": "2",
        f"q{q[K.NUMBER].pk}": "120",
        f"q{q[K.MAP_POINT].pk}": point_json(0.001),
        f"q{q[K.MAP_POINT].pk}_comment": "Plein zonder bomen",
        f"q{q[K.MAP_AREA].pk}": square_json(),
        # Positions: the last option first.
        **{
            f"q{q[K.RANKING].pk}_rank_{option}": str(len(ranking) - i)
            for i, option in enumerate(ranking)
        },
    }
    data.update(extra)
    return data


def answer_url(survey) -> str:
    return f"/surveys/{survey.pk}/"


@pytest.fixture
def code(survey, officer, neighbourhood):
    (invitation,) = services.invitations_generate(
        actor=officer, survey=survey, count=1, area=neighbourhood
    )
    return invitation.code


# ------------------------------------------------------------------ the list
def test_the_list_shows_open_surveys_with_intro_area_and_closing_date(survey, officer):
    services.survey_update(
        actor=officer,
        survey=survey,
        intro_en="Tell us where it is too hot.",
        closes_at=timezone.now() + timedelta(days=20),
    )
    services.survey_create(
        actor=officer, title_nl="Concept", title_en="Draft one", area=survey.area
    )

    response = browser().get("/surveys/")

    assert response.status_code == 200
    card = element(response.content.decode(), f"survey-{survey.pk}")
    text = text_of(card)
    assert "Heat and water in Stadshagen" in text
    assert "Tell us where it is too hot." in text
    assert "Area: Zwolle" in text and "Open until" in text
    assert "Draft one" not in response.content.decode()
    assert f'href="/surveys/{survey.pk}/"' in response.content.decode()


def test_the_list_shows_a_resident_what_they_answered_and_whether_they_can_change_it(
    survey, q, resident, officer
):
    answering.response_submit(
        survey=survey,
        answers={q[K.SINGLE_CHOICE].pk: options(q[K.SINGLE_CHOICE])[0]},
        respondent=resident,
    )
    client = browser(resident)

    answered = element(client.get("/surveys/").content.decode(), f"answered-{survey.pk}")
    assert "You can change your answers while the survey is open." in text_of(answered)

    transition(survey, Survey.Status.CLOSED, actor=officer)
    html = client.get("/surveys/").content.decode()
    assert "can no longer be changed" in text_of(element(html, f"answered-{survey.pk}"))
    assert element(html, f"survey-{survey.pk}") is None  # no longer open


# ------------------------------------------------------------------ the form
def test_the_form_has_a_block_per_question_in_order_with_the_right_inputs(survey, q, officer):
    q[K.NUMBER].help_en = "Count roughly."
    q[K.NUMBER].save()

    response = browser().get(answer_url(survey))

    assert response.status_code == 200
    html = response.content.decode()
    ids = [int(m) for m in re.findall(r'id="question-(\d+)"', html)]
    assert ids == [question.pk for question in survey.questions.order_by("position")]
    assert [i["tag"] for i in inputs(block(response, q[K.SHORT_TEXT]))] == ["input"]
    assert [i["tag"] for i in inputs(block(response, q[K.LONG_TEXT]))] == ["textarea"]
    radios = inputs(block(response, q[K.SINGLE_CHOICE]))
    assert [(r["type"], int(r["value"])) for r in radios] == [
        ("radio", o) for o in options(q[K.SINGLE_CHOICE])
    ]
    assert {i["type"] for i in inputs(block(response, q[K.MULTIPLE_CHOICE]))} == {"checkbox"}
    likert = block(response, q[K.LIKERT])
    assert [i["value"] for i in inputs(likert)] == ["1", "2", "3", "4", "5"]
    assert "Strongly disagree" in text_of(likert) and "Strongly agree" in text_of(likert)
    number = block(response, q[K.NUMBER])
    (number_input,) = inputs(number)
    assert (number_input["type"], number_input["min"], number_input["max"]) == (
        "number",
        "0",
        "500",
    )
    assert "Count roughly." in text_of(number) and "A number from 0 to 500." in text_of(number)
    point = block(response, q[K.MAP_POINT])
    assert {i["type"] for i in inputs(point) if i["tag"] == "input"} == {"hidden", "text"}
    assert element(html, f"question-{q[K.MAP_POINT].pk}-map") is not None
    assert "Place the point at the centre of the map" in text_of(point)
    area = block(response, q[K.MAP_AREA])
    assert [i["type"] for i in inputs(area)] == ["hidden"]
    assert "Draw an area" in text_of(area)
    ranking = inputs(block(response, q[K.RANKING]))
    assert [r["tag"] for r in ranking] == ["select"] * 3
    assert "survey-area" in html and "leaflet/draw/leaflet.draw.js" in html
    assert "surveys/js/answer.js" in html


def test_the_form_speaks_the_page_language(survey, q):
    response = Client(HTTP_ACCEPT_LANGUAGE="nl").get(answer_url(survey))

    assert "Hitte en water in Stadshagen" in response.content.decode()
    assert "Waar is het te heet?" in text_of(block(response, q[K.MAP_POINT]))


def test_consent_is_explained_and_unticked_and_neighbourhoods_are_offered(survey):
    html = browser().get(answer_url(survey)).content.decode()

    consent = element(html, "consent")
    assert "without my name" in text_of(consent)
    assert "a policy officer has checked them" in text_of(consent)
    (checkbox,) = [i for i in inputs(consent) if i.get("type") == "checkbox"]
    assert "checked" not in checkbox
    neighbourhood = element(html, "neighbourhood")
    offered = [dict(o.attributes)["value"] for o in walk(neighbourhood) if o.name == "option"]
    assert offered == ["", "BU01930001"]


def test_a_visitor_is_offered_a_code_field_and_a_login_link(survey):
    html = browser().get(answer_url(survey)).content.decode()

    assert 'name="code"' in html
    assert f'href="/accounts/login/?next=/surveys/{survey.pk}/"' in html


# ------------------------------------------------------------------ answering
def test_a_resident_answers_every_kind_and_is_thanked(survey, q, resident):
    client = browser(resident)

    response = client.post(answer_url(survey), form_data(q, consent_publish="on"))

    assert response.status_code == 302
    assert response["Location"] == f"/surveys/{survey.pk}/thanks/"
    stored = Response.objects.get()
    assert stored.respondent == resident and stored.consent_publish
    by_kind = {a.question.kind: a for a in stored.answers.select_related("question")}
    assert len(by_kind) == 9
    assert by_kind[K.NUMBER].number == 120 and by_kind[K.LIKERT].number == 2
    assert by_kind[K.MULTIPLE_CHOICE].options == options(q[K.MULTIPLE_CHOICE])[:2]
    assert by_kind[K.RANKING].options == list(reversed(options(q[K.RANKING])))
    assert by_kind[K.MAP_POINT].point.x == pytest.approx(CENTRE[0] + 0.001)
    assert by_kind[K.MAP_POINT].text == "Plein zonder bomen"
    assert by_kind[K.MAP_AREA].polygon.num_coords == 5
    assert Concern.objects.get() == by_kind[K.MAP_POINT].concern

    thanks = client.get(response["Location"])
    text = text_of(parse_html(thanks.content.decode()))
    assert "Your answers to “Heat and water in Stadshagen” were stored." in text
    assert "it was sent as a concern" in text and "without your name" in text
    assert "You can change your answers" in text


def test_without_consent_no_concern_is_made_and_the_thanks_say_so(survey, q, resident):
    client = browser(resident)

    response = client.post(answer_url(survey), form_data(q))

    assert response.status_code == 302
    assert not Concern.objects.exists()
    html = client.get(response["Location"]).content.decode()
    assert "You did not allow us to publish your map points" in html


def test_a_resident_sees_their_answers_and_changes_them(survey, q, resident):
    client = browser(resident)
    client.post(answer_url(survey), form_data(q, consent_publish="on"))

    again = client.get(answer_url(survey))

    html = again.content.decode()
    assert "You answered this survey on" in html
    assert 'value="Dobbestraat"' in html
    assert 'value="120.0"' in html or 'value="120"' in html
    checked = [i["value"] for i in inputs(block(again, q[K.MULTIPLE_CHOICE])) if "checked" in i]
    assert checked == [str(o) for o in options(q[K.MULTIPLE_CHOICE])[:2]]
    (hidden,) = [i for i in inputs(block(again, q[K.MAP_POINT])) if i["type"] == "hidden"]
    assert json.loads(hidden["value"])["coordinates"][0] == pytest.approx(CENTRE[0] + 0.001)
    assert "checked" in next(i for i in inputs(element(html, "consent")) if i["tag"] == "input")
    assert "Send my changed answers" in html

    changed = client.post(answer_url(survey), form_data(q, **{f"q{q[K.NUMBER].pk}": "3"}))

    assert changed.status_code == 302
    assert Response.objects.count() == 1
    assert Response.objects.get().answers.get(question=q[K.NUMBER]).number == 3
    assert "changed answers" in client.get(changed["Location"]).content.decode()


def test_errors_show_next_to_their_question_keep_what_was_typed_and_store_nothing(
    survey, q, resident
):
    data = form_data(
        q,
        **{
            f"q{q[K.NUMBER].pk}": "501",
            f"q{q[K.MAP_POINT].pk}": point_json(0.2),
            f"q{q[K.SHORT_TEXT].pk}": "Dobbestraat 12",
        },
    )
    del data[f"q{q[K.SINGLE_CHOICE].pk}"]

    response = browser(resident).post(answer_url(survey), data)

    assert response.status_code == 400
    assert not Response.objects.exists()
    assert "Give a number from 0 to 500." in text_of(block(response, q[K.NUMBER]))
    assert "outside the survey's area" in text_of(block(response, q[K.MAP_POINT]))
    assert "Answer this question." in text_of(block(response, q[K.SINGLE_CHOICE]))
    for fine in (K.SHORT_TEXT, K.LIKERT, K.MAP_AREA, K.RANKING):
        assert "has-error" not in dict(block(response, q[fine]).attributes)["class"]
    html = response.content.decode()
    assert 'value="Dobbestraat 12"' in html and 'value="501"' in html
    summary = text_of(element(html, "error-summary"))
    assert "Your answers were not sent" in summary and "Give a number from 0 to 500." in summary
    (number_input,) = inputs(block(response, q[K.NUMBER]))
    assert number_input["aria-invalid"] == "true"
    assert f"question-{q[K.NUMBER].pk}-error" in number_input["aria-describedby"]


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        (K.SHORT_TEXT, "x" * 201, "Use at most 200 characters."),
        (K.LONG_TEXT, "x" * 5001, "Use at most 5000 characters."),
        (K.SINGLE_CHOICE, "999999", "Select a valid choice."),
        (K.MULTIPLE_CHOICE, ["999999"], "Select a valid choice."),
        (K.LIKERT, "6", "Select a valid choice."),
        (K.NUMBER, "many", "Enter a number."),
        (K.MAP_POINT, square_json(), "Put a point on the map."),
        (K.MAP_POINT, "{not json", "Send a GeoJSON geometry object."),
        (K.MAP_AREA, point_json(), "Draw a valid area on the map."),
    ],
)
def test_a_bad_answer_of_each_kind_is_shown_at_its_question(
    survey, q, resident, kind, value, message
):
    response = browser(resident).post(answer_url(survey), form_data(q, **{f"q{q[kind].pk}": value}))

    assert response.status_code == 400
    assert message in text_of(block(response, q[kind]))
    assert not Response.objects.exists()


def test_a_ranking_needs_every_option_in_its_own_position(survey, q, resident):
    ranking = options(q[K.RANKING])
    same = {f"q{q[K.RANKING].pk}_rank_{option}": "1" for option in ranking}
    partial = {f"q{q[K.RANKING].pk}_rank_{ranking[0]}": "1"} | {
        f"q{q[K.RANKING].pk}_rank_{option}": "" for option in ranking[1:]
    }
    client = browser(resident)

    twice = client.post(answer_url(survey), form_data(q, **same))
    half = client.post(answer_url(survey), form_data(q, **partial))
    none = client.post(answer_url(survey), form_data(q, **dict.fromkeys(same, "")))

    assert "Give each option its own position." in text_of(block(twice, q[K.RANKING]))
    assert "Give every option a position, or none." in text_of(block(half, q[K.RANKING]))
    assert none.status_code == 302  # the ranking is not required
    assert not Response.objects.get().answers.filter(question=q[K.RANKING]).exists()


def test_a_map_comment_without_a_point_is_not_lost_silently(survey, q, resident):
    data = form_data(q, **{f"q{q[K.MAP_POINT].pk}": ""})

    response = browser(resident).post(answer_url(survey), data)

    assert response.status_code == 400
    assert "Put a point on the map for your comment" in text_of(block(response, q[K.MAP_POINT]))


# ------------------------------------------------------------------ codes
def test_a_visitor_answers_with_a_code_typed_in_lower_case_with_a_dash(survey, q, code):
    client = browser()
    typed = f"{code[:4].lower()}-{code[4:].lower()}"

    response = client.post(answer_url(survey), form_data(q, code=typed, consent_publish="on"))

    assert response.status_code == 302
    stored = Response.objects.get()
    assert stored.invitation.code == code and stored.respondent is None
    assert len(stored.client_hash) == 64 and "10." not in stored.client_hash
    assert Concern.objects.get().author is None
    thanks = client.get(response["Location"]).content.decode()
    assert "it was sent as a concern" in thanks
    assert "You can change your answers" not in thanks


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type the code from your letter, or log in."),
        ("NOPE2345", "This code is not valid for this survey."),
    ],
)
def test_a_missing_or_unknown_code_is_shown_at_the_code_field(survey, q, code, typed, message):
    response = browser().post(answer_url(survey), form_data(q, code=typed))

    assert response.status_code == 400
    assert message in text_of(element(response.content.decode(), "who"))
    assert not Response.objects.exists()


def test_a_used_code_is_refused_and_a_missing_code_still_shows_answer_errors(survey, q, code):
    assert browser().post(answer_url(survey), form_data(q, code=code)).status_code == 302

    used = browser().post(answer_url(survey), form_data(q, code=code))
    no_code = browser().post(answer_url(survey), form_data(q, **{f"q{q[K.LIKERT].pk}": "9"}))

    assert "This code has been used already." in text_of(element(used.content.decode(), "who"))
    assert "Select a valid choice." in text_of(block(no_code, q[K.LIKERT]))
    assert "Type the code from your letter" in text_of(element(no_code.content.decode(), "who"))
    assert Response.objects.count() == 1


def test_answers_without_an_account_are_throttled_on_the_page_too(survey, q):
    client = browser()
    rates = {"anon": "600/hour", "user": "3000/hour", "survey_answer": "1/hour"}
    with override_settings(REST_FRAMEWORK={"DEFAULT_THROTTLE_RATES": rates}):
        first = client.post(answer_url(survey), form_data(q, code="WRONG"))
        second = client.post(answer_url(survey), form_data(q, code="WRONG"))

    assert first.status_code == 400 and second.status_code == 429
    assert "Too many answers" in second.content.decode()


# ------------------------------------------------------------------ closed and draft
def test_a_closed_survey_shows_a_message_and_no_form(survey, q, officer, resident):
    transition(survey, Survey.Status.CLOSED, actor=officer)
    client = browser(resident)

    shown = client.get(answer_url(survey))
    posted = client.post(answer_url(survey), form_data(q))

    assert shown.status_code == 200
    assert "This survey is closed" in shown.content.decode()
    assert '<form method="post" class="survey-form"' not in shown.content.decode()
    assert posted.status_code == 400
    assert "Your answers were not stored." in posted.content.decode()
    assert not Response.objects.exists()


def test_a_survey_not_yet_open_says_when_it_opens(survey, officer):
    services.survey_update(
        actor=officer, survey=survey, opens_at=timezone.now() + timedelta(days=3)
    )

    html = browser().get(answer_url(survey)).content.decode()

    assert "This survey opens on" in html and 'class="survey-form"' not in html


def test_a_draft_is_hidden_from_residents_and_a_preview_for_officers(
    draft_survey, resident, officer
):
    assert browser().get(answer_url(draft_survey)).status_code == 404
    assert browser(resident).get(answer_url(draft_survey)).status_code == 404

    preview = browser(officer).get(answer_url(draft_survey))

    assert preview.status_code == 200
    html = preview.content.decode()
    assert "Preview: this survey is a draft." in html
    assert 'type="submit">Send my answers' not in html
    assert len(re.findall(r'id="question-\d+"', html)) == 9


def test_an_unknown_survey_is_404(db):
    assert browser().get("/surveys/999999/").status_code == 404

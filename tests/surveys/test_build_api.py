"""The survey-building API: who sees and changes what, questions, copies, moves and codes."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from civic import workflow
from civic.models import WorkflowEvent
from surveys import answering, services
from surveys.models import Invitation, Question, Survey
from surveys.services import CODE_ALPHABET, CODE_LENGTH, QuestionSpec
from tests.factories import CENTRE, AreaFactory, square

URL = "/api/v1/surveys/"
K = Question.Kind
S = Survey.Status


@pytest.fixture
def api_as(request, db):
    """api_as("officer") answers an APIClient signed in as that fixture's user (English)."""

    def make(role: str) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        if role != "anonymous":
            client.force_authenticate(request.getfixturevalue(role))
        return client

    return make


def answer_once(survey: Survey, resident) -> None:
    """One resident's response, through the service (the survey must be open)."""
    choice = survey.questions.get(kind=K.SINGLE_CHOICE)
    answering.response_submit(
        survey=survey, respondent=resident, answers={choice.pk: choice.options.first().pk}
    )


def survey_in(status: str, officer, area, title: str = "Survey") -> Survey:
    """A survey with one question, moved to `status` through the workflow."""
    survey = services.survey_create(actor=officer, title_nl=title, area=area)
    services.questions_replace(
        actor=officer, survey=survey, questions=[QuestionSpec(K.LONG_TEXT, "Wat wilt u kwijt?")]
    )
    path = {S.DRAFT: [], S.OPEN: [S.OPEN], S.CLOSED: [S.OPEN, S.CLOSED]}
    path[S.ARCHIVED] = [*path[S.CLOSED], S.ARCHIVED]
    for target in path[status]:
        workflow.transition(survey, target, actor=officer)
    return survey


@pytest.fixture
def four(officer, municipality):
    """One survey in each state."""
    return {status: survey_in(status, officer, municipality, title=status) for status in S.values}


def ids(response) -> set[int]:
    return {survey["id"] for survey in response.json()["results"]}


# ---------------------------------------------------------------- reading


@pytest.mark.parametrize("role", ["anonymous", "resident"])
def test_the_public_sees_every_survey_but_drafts(api_as, four, role):
    response = api_as(role).get(URL)

    assert response.status_code == 200
    assert ids(response) == {four[s].pk for s in (S.OPEN, S.CLOSED, S.ARCHIVED)}
    body = response.json()["results"][0]
    assert body["response_count"] is None
    assert body["allowed_transitions"] == []
    assert api_as(role).get(f"{URL}{four[S.DRAFT].pk}/").status_code == 404


@pytest.mark.parametrize(
    ("role", "moves"),
    [("officer", ["archived", "open"]), ("admin_user", ["archived", "open"]), ("council", [])],
)
def test_officers_and_council_members_see_drafts_and_counts(api_as, four, role, moves):
    response = api_as(role).get(URL)

    assert ids(response) == {survey.pk for survey in four.values()}
    draft = api_as(role).get(f"{URL}{four[S.DRAFT].pk}/").json()
    assert draft["response_count"] == 0
    assert sorted(draft["allowed_transitions"]) == moves


def test_the_list_filters_by_status(api_as, four):
    response = api_as("officer").get(URL, {"status": ["open", "closed"]})

    assert ids(response) == {four[S.OPEN].pk, four[S.CLOSED].pk}


def test_a_survey_shows_its_questions_in_order_in_the_request_language(
    api_as, survey, resident, heat
):
    answer_once(survey, resident)
    english = api_as("council").get(f"{URL}{survey.pk}/").json()
    dutch = APIClient(HTTP_ACCEPT_LANGUAGE="nl").get(f"{URL}{survey.pk}/").json()

    assert english["title"] == "Heat and water in Stadshagen"
    assert dutch["title"] == "Hitte en water in Stadshagen"
    assert (english["title_nl"], english["title_en"]) == (dutch["title_nl"], dutch["title_en"])
    assert english["area"] == "GM0193"
    assert english["status"] == "open"
    assert english["response_count"] == 1
    assert [q["kind"] for q in english["questions"]] == [
        K.SHORT_TEXT,
        K.LONG_TEXT,
        K.SINGLE_CHOICE,
        K.MULTIPLE_CHOICE,
        K.LIKERT,
        K.NUMBER,
        K.MAP_POINT,
        K.MAP_AREA,
        K.RANKING,
    ]
    choice = english["questions"][2]
    assert (choice["text"], choice["text_nl"], choice["required"]) == (
        "What worries you most?",
        "Waar maakt u zich het meest zorgen over?",
        True,
    )
    assert [(o["label"], o["theme"]) for o in choice["options"]] == [
        ("Heat", "heat"),
        ("Flooding", "flooding"),
        ("Nothing", None),
    ]
    number = english["questions"][5]
    assert (number["min_value"], number["max_value"]) == (0, 500)
    assert english["questions"][6]["theme"] == "heat"


# ---------------------------------------------------------------- creating and changing


def test_an_officer_starts_a_draft(api_as, officer, municipality):
    response = api_as("officer").post(
        URL,
        {
            "title_nl": "  Groen in de wijk ",
            "title_en": "Green in the neighbourhood",
            "area": "BU01930001",
            "opens_at": "2026-05-01T09:00:00+02:00",
            "closes_at": "2026-06-01T09:00:00+02:00",
        },
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["status"], body["title"], body["area"]) == (
        "draft",
        "Green in the neighbourhood",
        "BU01930001",
    )
    assert body["questions"] == [] and body["response_count"] == 0
    survey = Survey.objects.get(pk=body["id"])
    assert survey.title_nl == "Groen in de wijk"
    assert survey.created_by == officer
    assert WorkflowEvent.objects.filter(object_id=survey.pk, to_state="draft").count() == 1


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"area": "GM0193"}, "title_nl"),
        ({"title_nl": "  ", "area": "GM0193"}, "title_nl"),
        ({"title_nl": "x" * 201, "area": "GM0193"}, "title_nl"),
        ({"title_nl": "Groen"}, "area"),
        ({"title_nl": "Groen", "area": "NOPE"}, "area"),
        (
            {
                "title_nl": "Groen",
                "area": "GM0193",
                "opens_at": "2026-06-01T00:00:00Z",
                "closes_at": "2026-05-01T00:00:00Z",
            },
            "closes_at",
        ),
        ({"title_nl": "Groen", "area": "GM0193", "status": "open"}, "status"),
        ({"title_nl": "Groen", "area": "GM0193", "colour": "red"}, "colour"),
    ],
)
def test_a_bad_new_survey_is_refused_naming_the_field(api_as, municipality, payload, field):
    response = api_as("officer").post(URL, payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Survey.objects.exists()


@pytest.mark.parametrize(
    ("role", "code"), [("anonymous", 401), ("resident", 403), ("council", 403)]
)
def test_only_officers_start_surveys(api_as, municipality, role, code):
    response = api_as(role).post(URL, {"title_nl": "Groen", "area": "GM0193"}, format="json")

    assert response.status_code == code
    assert not Survey.objects.exists()


def test_an_officer_changes_texts_and_dates(api_as, draft_survey):
    response = api_as("officer").patch(
        f"{URL}{draft_survey.pk}/",
        {"intro_en": "Five minutes.", "closes_at": "2026-09-01T00:00:00Z"},
        format="json",
    )

    assert response.status_code == 200
    assert response.json()["intro"] == "Five minutes."
    draft_survey.refresh_from_db()
    assert draft_survey.intro_en == "Five minutes."
    assert draft_survey.closes_at.isoformat() == "2026-09-01T00:00:00+00:00"
    assert draft_survey.title_nl == "Hitte en water in Stadshagen"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"status": "open"}, "status"),
        ({"response_count": 9}, "response_count"),
        ({"questions": []}, "questions"),
        ({"created_by": 1}, "created_by"),
        ({"title_nl": ""}, "title_nl"),
    ],
)
def test_a_patch_of_read_only_or_bad_fields_is_refused(api_as, draft_survey, payload, field):
    response = api_as("officer").patch(f"{URL}{draft_survey.pk}/", payload, format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    draft_survey.refresh_from_db()
    assert (draft_survey.status, draft_survey.title_nl) == ("draft", "Hitte en water in Stadshagen")


def test_the_area_is_fixed_once_someone_answered(api_as, survey, resident, neighbourhood):
    answer_once(survey, resident)

    response = api_as("officer").patch(
        f"{URL}{survey.pk}/", {"area": neighbourhood.code}, format="json"
    )

    assert response.status_code == 400
    assert "copy it" in response.json()["area"][0]
    survey.refresh_from_db()
    assert survey.area.code == "GM0193"


def test_the_area_of_an_unanswered_survey_may_change(api_as, draft_survey, neighbourhood):
    response = api_as("officer").patch(
        f"{URL}{draft_survey.pk}/", {"area": neighbourhood.code}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["area"] == neighbourhood.code


@pytest.mark.parametrize("role", ["resident", "council"])
def test_others_cannot_change_a_survey(api_as, survey, role):
    response = api_as(role).patch(f"{URL}{survey.pk}/", {"title_nl": "Weg"}, format="json")

    assert response.status_code == 403
    survey.refresh_from_db()
    assert survey.title_nl == "Hitte en water in Stadshagen"


# ---------------------------------------------------------------- questions


QUESTIONS = [
    {
        "kind": "single_choice",
        "text_nl": "Waar maakt u zich zorgen over?",
        "text_en": "What worries you?",
        "required": True,
        "options": [
            {"label_nl": "Hitte", "label_en": "Heat", "theme": "heat"},
            {"label_nl": "Water", "theme": "flooding"},
            {"label_nl": "Niets"},
        ],
    },
    {"kind": "number", "text_nl": "Hoeveel tegels?", "min_value": 0, "max_value": 200},
    {"kind": "map_point", "text_nl": "Waar is het heet?", "theme": "heat", "help_nl": "Klik"},
]


def test_an_officer_replaces_the_questions(api_as, draft_survey):
    response = api_as("officer").post(
        f"{URL}{draft_survey.pk}/questions/", QUESTIONS, format="json"
    )

    assert response.status_code == 200
    questions = response.json()["questions"]
    assert [(q["position"], q["kind"], q["text"]) for q in questions] == [
        (1, "single_choice", "What worries you?"),
        (2, "number", "Hoeveel tegels?"),
        (3, "map_point", "Waar is het heet?"),
    ]
    assert [(o["label"], o["theme"]) for o in questions[0]["options"]] == [
        ("Heat", "heat"),
        ("Water", "flooding"),
        ("Niets", None),
    ]
    assert (questions[1]["min_value"], questions[1]["max_value"]) == (0, 200)
    assert (questions[2]["theme"], questions[2]["help"]) == ("heat", "Klik")
    assert draft_survey.questions.count() == 3


def test_questions_may_also_come_wrapped_in_an_object(api_as, draft_survey):
    response = api_as("officer").post(
        f"{URL}{draft_survey.pk}/questions/", {"questions": QUESTIONS[1:]}, format="json"
    )

    assert response.status_code == 200
    assert len(response.json()["questions"]) == 2


def _with(index: int, **changes) -> list[dict]:
    questions = [dict(q) for q in QUESTIONS]
    questions[index].update(changes)
    return questions


@pytest.mark.parametrize(
    ("questions", "named"),
    [
        (_with(0, kind="essay"), "#0 kind"),
        (_with(1, text_nl="  "), "#1 text_nl"),
        (_with(0, options=[{"label_nl": "Alleen"}]), "#0 options"),
        (_with(0, options=[{"label_nl": "A"}, {"label_nl": ""}]), "#0 options"),
        (
            _with(0, options=[{"label_nl": "A"}, {"label_nl": "B", "theme": "noise"}]),
            "#0 options.1 theme",
        ),
        (
            _with(0, options=[{"label_nl": "A"}, {"label_nl": "B", "colour": "red"}]),
            "#0 options.1 colour",
        ),
        (_with(1, options=[{"label_nl": "A"}, {"label_nl": "B"}]), "#1 options"),
        (_with(1, min_value=10, max_value=5), "#1 max_value"),
        (_with(1, min_value="a lot"), "#1 min_value"),
        (_with(2, min_value=1), "#2 min_value"),
        (_with(2, theme="noise"), "#2 theme"),
        (_with(1, theme="heat"), "#1 theme"),
        (_with(2, required="perhaps"), "#2 required"),
        (_with(2, colour="red"), "#2 colour"),
        ([*QUESTIONS, "not an object"], "#3"),
    ],
)
def test_bad_questions_are_refused_naming_index_and_field(api_as, draft_survey, questions, named):
    before = list(draft_survey.questions.values_list("pk", flat=True))

    response = api_as("officer").post(
        f"{URL}{draft_survey.pk}/questions/", questions, format="json"
    )

    assert response.status_code == 400
    problems = response.json()["questions"]
    assert any(problem.startswith(f"{named}:") for problem in problems), problems
    assert list(draft_survey.questions.values_list("pk", flat=True)) == before


def test_questions_must_be_a_list(api_as, draft_survey):
    response = api_as("officer").post(
        f"{URL}{draft_survey.pk}/questions/", {"kind": "likert"}, format="json"
    )

    assert response.status_code == 400
    assert response.json() == {"questions": ["Send a list of questions."]}


def test_questions_are_frozen_once_someone_answered(api_as, survey, resident):
    answer_once(survey, resident)
    before = list(survey.questions.values_list("pk", "text_nl"))

    response = api_as("officer").post(f"{URL}{survey.pk}/questions/", QUESTIONS, format="json")

    assert response.status_code == 400
    assert "copy it to change its questions" in response.json()["questions"][0]
    assert list(survey.questions.values_list("pk", "text_nl")) == before


@pytest.mark.parametrize("role", ["resident", "council"])
def test_only_officers_replace_questions(api_as, draft_survey, role):
    response = api_as(role).post(f"{URL}{draft_survey.pk}/questions/", QUESTIONS, format="json")

    assert response.status_code == 403
    assert draft_survey.questions.count() == 9


# ---------------------------------------------------------------- copying


def test_copying_an_answered_survey_gives_a_new_draft_to_change(api_as, survey, resident, officer):
    answer_once(survey, resident)

    response = api_as("officer").post(f"{URL}{survey.pk}/copy/")

    assert response.status_code == 201
    copy = response.json()
    assert copy["id"] != survey.pk
    assert (copy["status"], copy["copied_from"], copy["response_count"]) == ("draft", survey.pk, 0)
    assert copy["title_nl"] == survey.title_nl
    assert copy["opens_at"] is None and copy["closes_at"] is None
    assert [q["text_nl"] for q in copy["questions"]] == list(
        survey.questions.values_list("text_nl", flat=True)
    )
    changed = api_as("officer").post(f"{URL}{copy['id']}/questions/", QUESTIONS, format="json")
    assert changed.status_code == 200


def test_council_members_cannot_copy(api_as, survey):
    assert api_as("council").post(f"{URL}{survey.pk}/copy/").status_code == 403
    assert Survey.objects.count() == 1


# ---------------------------------------------------------------- moving


def test_an_officer_opens_a_draft(api_as, draft_survey, officer):
    response = api_as("officer").post(
        f"{URL}{draft_survey.pk}/transition/", {"to": "open", "note": "Letters sent"}, format="json"
    )

    assert response.status_code == 200
    assert response.json()["status"] == "open"
    assert response.json()["allowed_transitions"] == ["closed"]
    event = WorkflowEvent.objects.get(object_id=draft_survey.pk, to_state="open")
    assert (event.actor, event.note) == (officer, "Letters sent")


def test_a_survey_without_questions_does_not_open(api_as, officer, municipality):
    empty = services.survey_create(actor=officer, title_nl="Leeg", area=municipality)

    response = api_as("officer").post(f"{URL}{empty.pk}/transition/", {"to": "open"}, format="json")

    assert response.status_code == 400
    assert response.json()["to"] == ["Add at least one question first."]
    empty.refresh_from_db()
    assert empty.status == "draft"


def test_a_move_outside_the_table_names_the_allowed_states(api_as, survey):
    response = api_as("officer").post(
        f"{URL}{survey.pk}/transition/", {"to": "archived"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["allowed"] == ["closed"]
    assert "Allowed next states: closed" in response.json()["to"][0]


@pytest.mark.parametrize(
    ("role", "code"), [("anonymous", 401), ("resident", 403), ("council", 403)]
)
def test_only_officers_move_surveys(api_as, survey, role, code):
    response = api_as(role).post(f"{URL}{survey.pk}/transition/", {"to": "closed"}, format="json")

    assert response.status_code == code
    survey.refresh_from_db()
    assert survey.status == "open"


# ---------------------------------------------------------------- invitation codes


def test_an_officer_makes_a_batch_of_codes_for_a_neighbourhood(api_as, survey, neighbourhood):
    response = api_as("officer").post(
        f"{URL}{survey.pk}/invitations/",
        {"count": 3, "neighbourhood": "BU01930001", "batch": "letter 1"},
        format="json",
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["count"], body["batch"], body["neighbourhood"]) == (3, "letter 1", "BU01930001")
    assert len(set(body["codes"])) == 3
    for code in body["codes"]:
        assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    stored = Invitation.objects.filter(survey=survey)
    assert set(stored.values_list("code", flat=True)) == set(body["codes"])
    assert {(i.area, i.batch) for i in stored} == {(neighbourhood, "letter 1")}


@pytest.fixture
def elsewhere(db):
    """A neighbourhood far outside the test municipality."""
    return AreaFactory(
        code="BU03630001", name="Elders", geometry=square(CENTRE[0] - 1, CENTRE[1], 0.01)
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"count": 0}, "count"),
        ({"count": 100_000}, "count"),
        ({"count": "many"}, "count"),
        ({}, "count"),
        ({"count": 2, "neighbourhood": "GM0193"}, "neighbourhood"),
        ({"count": 2, "neighbourhood": "BU03630001"}, "neighbourhood"),
        ({"count": 2, "neighbourhood": "NOPE"}, "neighbourhood"),
        ({"count": 2, "batch": "x" * 101}, "batch"),
        ({"count": 2, "code": "ABCDEFGH"}, "code"),
    ],
)
def test_a_bad_batch_is_refused_naming_the_field(api_as, survey, elsewhere, payload, field):
    response = api_as("officer").post(f"{URL}{survey.pk}/invitations/", payload, format="json")

    assert response.status_code == 400
    assert field in response.json()
    assert not Invitation.objects.exists()


def test_an_archived_survey_gets_no_codes(api_as, officer, municipality):
    archived = survey_in(S.ARCHIVED, officer, municipality)

    response = api_as("officer").post(f"{URL}{archived.pk}/invitations/", {"count": 1})

    assert response.status_code == 400
    assert "survey" in response.json()


@pytest.mark.parametrize(
    ("role", "code"), [("anonymous", 401), ("resident", 403), ("council", 403)]
)
def test_only_officers_make_codes(api_as, survey, role, code):
    response = api_as(role).post(f"{URL}{survey.pk}/invitations/", {"count": 1}, format="json")

    assert response.status_code == code
    assert not Invitation.objects.exists()


def _csv(response) -> list[dict]:
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def letters(survey, officer, neighbourhood):
    """Two codes for Werkeren in "letter 1" (one used) and one without a neighbourhood."""
    first = services.invitations_generate(
        actor=officer, survey=survey, count=2, area=neighbourhood, batch="letter 1"
    )
    other = services.invitations_generate(actor=officer, survey=survey, count=1, batch="reserve")
    choice = survey.questions.get(kind=K.SINGLE_CHOICE)
    answering.response_submit(
        survey=survey, code=first[0].code, answers={choice.pk: choice.options.first().pk}
    )
    return {"used": first[0].code, "unused": first[1].code, "reserve": other[0].code}


def test_the_codes_download_as_csv_for_letters(api_as, survey, letters):
    response = api_as("officer").get(f"{URL}{survey.pk}/invitations.csv")

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = {row["code"]: row for row in _csv(response)}
    assert set(rows) == set(letters.values())
    assert rows[letters["used"]] == {
        "code": letters["used"],
        "neighbourhood_code": "BU01930001",
        "neighbourhood": "Werkeren",
        "batch": "letter 1",
        "used": "yes",
    }
    assert (rows[letters["unused"]]["used"], rows[letters["reserve"]]["neighbourhood"]) == (
        "no",
        "",
    )


def test_the_csv_gives_one_batch_or_only_unused_codes(api_as, survey, letters):
    client = api_as("officer")
    path = f"{URL}{survey.pk}/invitations.csv"

    one_batch = _csv(client.get(path, {"batch": "letter 1"}))
    unused = _csv(client.get(path, {"batch": "letter 1", "unused": "1"}))
    all_unused = _csv(client.get(path, {"unused": "1", "batch": ""}))
    by_place = _csv(client.get(path, {"neighbourhood": "BU01930001"}))

    assert {r["code"] for r in one_batch} == {letters["used"], letters["unused"]}
    assert [r["code"] for r in unused] == [letters["unused"]]
    assert {r["code"] for r in all_unused} == {letters["unused"], letters["reserve"]}
    assert {r["code"] for r in by_place} == {letters["used"], letters["unused"]}


@pytest.mark.parametrize(
    ("role", "code"), [("anonymous", 401), ("resident", 403), ("council", 403)]
)
def test_only_officers_download_codes(api_as, survey, letters, role, code):
    response = api_as(role).get(f"{URL}{survey.pk}/invitations.csv")

    assert response.status_code == code
    assert letters["unused"] not in response.content.decode()


def test_the_csv_of_a_missing_survey_is_404(api_as, db):
    assert api_as("officer").get(f"{URL}999999/invitations.csv").status_code == 404


# ---------------------------------------------------------------- schema


def test_the_schema_documents_the_building_endpoints_without_asking_the_database(
    db, django_assert_num_queries
):
    with django_assert_num_queries(0):
        schema = SchemaGenerator().get_schema(request=None, public=True)

    paths = schema["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/surveys/"])
    assert {"get", "patch"} <= set(paths["/api/v1/surveys/{id}/"])
    for action in ("questions", "copy", "transition", "invitations"):
        assert "post" in paths[f"/api/v1/surveys/{{id}}/{action}/"]
    assert "text/csv" in str(paths["/api/v1/surveys/{id}/invitations.csv"]["get"]["responses"])
    survey = schema["components"]["schemas"]["Survey"]["properties"]
    assert {"response_count", "allowed_transitions", "questions", "title_en"} <= set(survey)


def test_the_list_costs_the_same_queries_however_many_surveys(api_as, officer, municipality):
    client = api_as("council")
    client.get(URL)  # the first answer also looks up the user's roles
    counts = []
    for extra in (1, 4):
        for _ in range(extra):
            survey_in(S.OPEN, officer, municipality)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1]

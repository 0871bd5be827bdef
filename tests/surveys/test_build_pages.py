"""The officers' survey builder pages, used as an officer would: with plain forms."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from civic.models import WorkflowEvent
from surveys import answering, services
from surveys.models import Invitation, Question, Survey
from tests.factories import CENTRE, AreaFactory, square

K = Question.Kind


@pytest.fixture
def as_officer(client, officer):
    client.force_login(officer)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def url(name: str, survey: Survey | None = None) -> str:
    return reverse(f"surveys:{name}", args=[survey.pk] if survey else [])


def answer_once(survey: Survey, resident) -> None:
    choice = survey.questions.get(kind=K.SINGLE_CHOICE)
    answering.response_submit(
        survey=survey, respondent=resident, answers={choice.pk: choice.options.first().pk}
    )


def submitted(formset, **changes) -> dict:
    """What the browser sends for the formset as rendered, with `changes` typed in."""
    data = {}
    for name in formset.management_form.fields:
        value = formset.management_form[name].value()
        data[formset.management_form.add_prefix(name)] = "" if value is None else value
    for form in formset.forms:
        for name in form.fields:
            value = form[name].value()
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value
    for key, value in changes.items():
        if value is None:
            data.pop(f"q-{key}", None)
        else:
            data[f"q-{key}"] = value
    return data


def html(response) -> str:
    return response.content.decode()


# ---------------------------------------------------------------- who may


PAGES = ["manage", "manage_new", "manage_detail", "manage_questions", "manage_invitations"]


def page_url(page: str, survey: Survey) -> str:
    return url(page, survey if page not in ("manage", "manage_new") else None)


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ["resident", "council"])
def test_the_builder_is_for_officers_only(request, client, draft_survey, page, role):
    client.force_login(request.getfixturevalue(role))

    response = client.get(page_url(page, draft_survey))

    assert response.status_code == 403


@pytest.mark.parametrize("page", PAGES)
def test_visitors_are_sent_to_log_in(client, draft_survey, page):
    response = client.get(page_url(page, draft_survey))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("action", ["manage_transition", "manage_copy"])
def test_council_members_cannot_move_or_copy(client, council, draft_survey, action):
    client.force_login(council)

    response = client.post(url(action, draft_survey), {"to": "open"})

    assert response.status_code == 403
    assert Survey.objects.get().status == "draft"


# ---------------------------------------------------------------- the list


def test_the_list_shows_status_dates_and_responses(as_officer, survey, resident, officer):
    answer_once(survey, resident)
    draft = services.survey_create(actor=officer, title_nl="Nieuwe enquête", area=survey.area)

    response = as_officer.get(url("manage"))

    assert response.status_code == 200
    rows = {s.pk: s for s in response.context["page"]}
    assert set(rows) == {survey.pk, draft.pk}
    assert (rows[survey.pk].response_count, rows[survey.pk].question_count) == (1, 9)
    assert url("manage_detail", survey) in html(response)
    assert url("manage_questions", draft) in html(response)
    assert "Heat and water in Stadshagen" in html(response)
    only_drafts = as_officer.get(url("manage"), {"status": "draft"})
    assert [s.pk for s in only_drafts.context["page"]] == [draft.pk]


# ---------------------------------------------------------------- new and edit


def test_an_officer_starts_a_survey_and_goes_on_to_its_questions(as_officer, officer, municipality):
    response = as_officer.post(
        url("manage_new"),
        {
            "title_nl": "Groen in Werkeren",
            "title_en": "",
            "area": municipality.pk,
            "opens_at": "2026-05-01T09:00",
            "closes_at": "2026-06-01T09:00",
        },
    )

    survey = Survey.objects.get()
    assert response.status_code == 302
    assert response["Location"] == url("manage_questions", survey)
    assert (survey.title_nl, survey.status, survey.created_by) == (
        "Groen in Werkeren",
        "draft",
        officer,
    )
    # Typed in the municipality's time (summer time: UTC+2).
    assert survey.opens_at == datetime(2026, 5, 1, 7, 0, tzinfo=UTC)


def test_a_bad_new_survey_shows_the_problems_and_stores_nothing(as_officer, municipality):
    response = as_officer.post(
        url("manage_new"),
        {
            "title_nl": "",
            "area": municipality.pk,
            "opens_at": "2026-06-01T09:00",
            "closes_at": "2026-05-01T09:00",
        },
    )

    assert response.status_code == 400
    assert "Give the survey a Dutch title." in html(response)
    assert not Survey.objects.exists()
    fixed = as_officer.post(
        url("manage_new"),
        {
            "title_nl": "Groen",
            "area": municipality.pk,
            "opens_at": "2026-06-01T09:00",
            "closes_at": "2026-05-01T09:00",
        },
    )
    assert fixed.status_code == 400
    assert fixed.context["form"].errors["closes_at"] == ["Close the survey after it opens."]
    assert not Survey.objects.exists()


def test_an_officer_edits_the_texts_and_dates(as_officer, draft_survey):
    page = as_officer.get(url("manage_detail", draft_survey))
    assert page.status_code == 200
    assert 'value="Hitte en water in Stadshagen"' in html(page)

    response = as_officer.post(
        url("manage_detail", draft_survey),
        {
            "title_nl": "Hitte en water",
            "title_en": "Heat and water in Stadshagen",
            "intro_nl": "Vijf minuten.",
            "area": draft_survey.area_id,
            "closes_at": "2026-09-01T12:00",
        },
        follow=True,
    )

    assert response.status_code == 200
    assert "Survey saved." in html(response)
    draft_survey.refresh_from_db()
    assert (draft_survey.title_nl, draft_survey.intro_nl) == ("Hitte en water", "Vijf minuten.")
    assert draft_survey.closes_at == datetime(2026, 9, 1, 10, 0, tzinfo=UTC)


def test_the_area_cannot_change_once_someone_answered(as_officer, survey, resident, neighbourhood):
    answer_once(survey, resident)

    response = as_officer.post(
        url("manage_detail", survey),
        {"title_nl": survey.title_nl, "title_en": survey.title_en, "area": neighbourhood.pk},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["area"] == [
        "This survey has responses; copy it to change its area."
    ]
    survey.refresh_from_db()
    assert survey.area.code == "GM0193"


def test_the_survey_page_links_to_what_residents_see(as_officer, survey):
    response = as_officer.get(url("manage_detail", survey))

    assert f'href="{reverse("surveys:answer", args=[survey.pk])}"' in html(response)


# ---------------------------------------------------------------- status and copy


def test_the_status_buttons_follow_the_workflow(as_officer, draft_survey, officer):
    page = html(as_officer.get(url("manage_detail", draft_survey)))
    assert 'name="to" value="open"' in page and 'name="to" value="archived"' in page
    assert 'value="closed"' not in page

    response = as_officer.post(url("manage_transition", draft_survey), {"to": "open"}, follow=True)

    draft_survey.refresh_from_db()
    assert draft_survey.status == "open"
    assert "The survey is now “open”." in html(response)
    assert 'name="to" value="closed"' in html(response)
    assert WorkflowEvent.objects.filter(object_id=draft_survey.pk, to_state="open").count() == 1


def test_an_empty_survey_does_not_open(as_officer, officer, municipality):
    empty = services.survey_create(actor=officer, title_nl="Leeg", area=municipality)

    response = as_officer.post(url("manage_transition", empty), {"to": "open"}, follow=True)

    assert "Add at least one question first." in html(response)
    empty.refresh_from_db()
    assert empty.status == "draft"


def test_copying_gives_a_new_draft(as_officer, survey):
    response = as_officer.post(url("manage_copy", survey))

    copy = Survey.objects.exclude(pk=survey.pk).get()
    assert response["Location"] == url("manage_detail", copy)
    assert (copy.status, copy.copied_from, copy.questions.count()) == ("draft", survey, 9)


# ---------------------------------------------------------------- questions


def test_the_questions_page_shows_the_questions_and_empty_rows(as_officer, draft_survey):
    response = as_officer.get(url("manage_questions", draft_survey))

    assert response.status_code == 200
    formset = response.context["formset"]
    assert len(formset.forms) == 9 + 3
    choice = formset.forms[2]
    assert (
        choice["options"].value()
        == "Hitte | Heat | heat\nWateroverlast | Flooding | flooding\nNiets | Nothing"
    )
    assert "Hitte | Heat | heat" in html(response)
    assert formset.forms[6]["theme"].value() == "heat"


def test_saving_the_page_unchanged_keeps_every_question(as_officer, draft_survey):
    before = [
        (q.kind, q.text_nl, q.text_en, q.required, q.min_value, q.max_value, q.theme_id)
        for q in draft_survey.questions.all()
    ]
    options_before = list(
        draft_survey.questions.order_by("position", "options__position").values_list(
            "options__label_nl", "options__theme__slug"
        )
    )
    formset = as_officer.get(url("manage_questions", draft_survey)).context["formset"]

    response = as_officer.post(url("manage_questions", draft_survey), submitted(formset))

    assert response.status_code == 302
    after = [
        (q.kind, q.text_nl, q.text_en, q.required, q.min_value, q.max_value, q.theme_id)
        for q in draft_survey.questions.all()
    ]
    assert after == before
    assert (
        list(
            draft_survey.questions.order_by("position", "options__position").values_list(
                "options__label_nl", "options__theme__slug"
            )
        )
        == options_before
    )


def test_an_officer_adds_removes_and_reorders_questions(as_officer, draft_survey):
    formset = as_officer.get(url("manage_questions", draft_survey)).context["formset"]
    data = submitted(
        formset,
        **{
            # a new question in the first empty row, put first
            "9-kind": "likert",
            "9-text_nl": "Mijn straat is te heet",
            "9-required": "on",
            "9-ORDER": "0",
            # drop the short text question
            "0-DELETE": "on",
            # the map-area question moves up to where the short text was
            "7-ORDER": "1",
        },
    )

    response = as_officer.post(url("manage_questions", draft_survey), data, follow=True)

    assert "Questions saved: 9." in html(response)
    questions = list(draft_survey.questions.all())
    assert [q.kind for q in questions] == [
        K.LIKERT,
        K.MAP_AREA,
        K.LONG_TEXT,
        K.SINGLE_CHOICE,
        K.MULTIPLE_CHOICE,
        K.LIKERT,
        K.NUMBER,
        K.MAP_POINT,
        K.RANKING,
    ]
    assert (questions[0].text_nl, questions[0].required) == ("Mijn straat is te heet", True)


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"2-options": "Alleen deze"}, "options", "Give at least two options."),
        ({"2-options": "Hitte | Heat | noise\nNiets"}, "options", "there is no theme “noise”"),
        ({"2-options": "A | B | heat | extra\nNiets"}, "options", "use at most two “|”"),
        ({"0-options": "Een\nTwee"}, "options", "Only choice and ranking questions have options."),
        ({"5-min_value": "10", "5-max_value": "5"}, "max_value", "The highest number is below"),
        ({"4-min_value": "1"}, "min_value", "Only number questions have bounds."),
        ({"4-theme": "heat"}, "theme", "Only map-point questions have a theme."),
        ({"1-text_nl": ""}, "text_nl", "Write the question in Dutch."),
        ({"9-text_nl": "Zonder soort"}, "kind", "Choose the kind of question."),
    ],
)
def test_a_bad_question_is_shown_next_to_its_field_and_nothing_is_saved(
    as_officer, draft_survey, changes, field, message
):
    before = list(draft_survey.questions.values_list("pk", flat=True))
    formset = as_officer.get(url("manage_questions", draft_survey)).context["formset"]

    response = as_officer.post(url("manage_questions", draft_survey), submitted(formset, **changes))

    assert response.status_code == 400
    index = int(next(iter(changes)).split("-")[0])
    errors = response.context["formset"].forms[index].errors[field]
    assert any(message in error for error in errors), errors
    assert message.split("“")[0] in html(response)
    assert list(draft_survey.questions.values_list("pk", flat=True)) == before


def test_more_empty_rows_without_saving(as_officer, draft_survey):
    before = list(draft_survey.questions.values_list("pk", flat=True))
    formset = as_officer.get(url("manage_questions", draft_survey)).context["formset"]
    data = {**submitted(formset, **{"9-text_nl": "Half getypt"}), "more_rows": "1"}

    response = as_officer.post(url("manage_questions", draft_survey), data)

    assert response.status_code == 200
    rows = response.context["formset"].forms
    assert len(rows) == 12 + 3
    assert rows[9]["text_nl"].value() == "Half getypt"
    assert "Choose the kind of question." not in html(response)
    assert list(draft_survey.questions.values_list("pk", flat=True)) == before


def test_answered_questions_are_read_only_with_a_copy_button(as_officer, survey, resident):
    answer_once(survey, resident)
    before = list(survey.questions.values_list("pk", flat=True))

    page = as_officer.get(url("manage_questions", survey))
    posted = as_officer.post(url("manage_questions", survey), {"q-TOTAL_FORMS": "0"})

    assert page.status_code == 200
    assert "Read-only: this survey has responses." in html(page)
    assert 'name="q-0-text_nl"' not in html(page)
    assert f'action="{url("manage_copy", survey)}"' in html(page)
    assert "Copy to change" in html(page)
    assert "Waar maakt u zich het meest zorgen over?" in html(page)
    assert posted.status_code == 400
    assert list(survey.questions.values_list("pk", flat=True)) == before


# ---------------------------------------------------------------- invitation codes


@pytest.fixture
def elsewhere(db):
    return AreaFactory(
        code="BU03630001", name="Elders", geometry=square(CENTRE[0] - 1, CENTRE[1], 0.01)
    )


def test_an_officer_makes_a_batch_and_downloads_it_for_letters(
    as_officer, survey, neighbourhood, elsewhere
):
    page = as_officer.get(url("manage_invitations", survey))
    assert list(page.context["form"].fields["neighbourhood"].queryset) == [neighbourhood]

    response = as_officer.post(
        url("manage_invitations", survey),
        {"count": "3", "neighbourhood": neighbourhood.pk, "batch": "letter 1"},
        follow=True,
    )

    assert "3 codes made." in html(response)
    assert response.context["batches"] == [
        {
            "batch": "letter 1",
            "area__code": "BU01930001",
            "area__name": "Werkeren",
            "total": 3,
            "used": 0,
            "unused": 3,
        }
    ]
    csv_url = reverse("survey-invitations-csv", args=[survey.pk])
    assert f"{csv_url}?batch=letter%201&amp;neighbourhood=BU01930001&amp;unused=1" in html(response)
    download = as_officer.get(csv_url, {"batch": "letter 1", "unused": "1"})
    rows = list(csv.DictReader(io.StringIO(download.content.decode())))
    assert sorted(r["code"] for r in rows) == sorted(
        Invitation.objects.values_list("code", flat=True)
    )
    assert {(r["neighbourhood"], r["used"]) for r in rows} == {("Werkeren", "no")}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"count": "0", "batch": "letter 1"}, "count"),
        ({"count": "", "batch": "letter 1"}, "count"),
        ({"count": "2", "batch": ""}, "batch"),
        ({"count": "2", "batch": "letter 1", "neighbourhood": "elsewhere"}, "neighbourhood"),
    ],
)
def test_a_bad_batch_is_shown_and_makes_no_codes(as_officer, survey, elsewhere, data, field):
    if data.get("neighbourhood") == "elsewhere":
        data = {**data, "neighbourhood": elsewhere.pk}

    response = as_officer.post(url("manage_invitations", survey), data)

    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Invitation.objects.exists()

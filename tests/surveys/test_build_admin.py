"""Surveys in the Django admin: officers build and read answers, council members read surveys."""

import pytest
from django.urls import reverse

from civic.models import WorkflowEvent
from civic.roles import roles_sync
from surveys import answering, services
from surveys.models import Answer, Invitation, Option, Question, Response, Survey

K = Question.Kind


@pytest.fixture(autouse=True)
def role_permissions(db):
    """The role groups with today's permissions (a reused test database may hold older ones)."""
    roles_sync()


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:surveys_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def answered(survey, resident, officer, neighbourhood):
    """The open survey with one signed-in response and one code (used by nobody yet)."""
    choice = survey.questions.get(kind=K.SINGLE_CHOICE)
    answering.response_submit(
        survey=survey,
        respondent=resident,
        answers={choice.pk: choice.options.first().pk},
        area=neighbourhood,
    )
    services.invitations_generate(
        actor=officer, survey=survey, count=1, area=neighbourhood, batch="letter 1"
    )
    return survey


def first(model):
    return model._default_manager.order_by("pk").first()


ALL = [Survey, Question, Option, Invitation, Response, Answer]


@pytest.mark.parametrize("model", ALL, ids=lambda m: m._meta.model_name)
@pytest.mark.parametrize("role", ["officer", "admin_user"])
def test_officers_open_every_survey_page(request, client, answered, model, role):
    client.force_login(request.getfixturevalue(role))
    obj = first(model)

    changelist = client.get(admin_url(model, "changelist"))
    change = client.get(admin_url(model, "change", obj.pk))

    assert changelist.status_code == 200
    assert admin_url(model, "change", obj.pk) in changelist.content.decode()
    assert change.status_code == 200


@pytest.mark.parametrize("model", [Survey, Question, Option])
def test_council_members_read_surveys_without_changing_them(client, council, answered, model):
    client.force_login(council)
    obj = first(model)

    changelist = client.get(admin_url(model, "changelist"))
    change = client.get(admin_url(model, "change", obj.pk))

    assert changelist.status_code == 200
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    assert client.get(admin_url(model, "add")).status_code == 403


def test_officers_see_who_answered(client, officer, answered, resident):
    client.force_login(officer)

    changelist = client.get(admin_url(Response, "changelist"), {"q": resident.username})

    assert resident.username in changelist.content.decode()
    assert [r.pk for r in changelist.context["cl"].result_list] == [first(Response).pk]


def test_the_status_is_never_edited_in_the_admin(client, officer, draft_survey):
    client.force_login(officer)
    page = client.get(admin_url(Survey, "change", draft_survey.pk)).content.decode()

    assert 'name="status"' not in page
    assert 'name="title_nl"' in page


def test_the_open_action_goes_through_the_workflow(client, officer, draft_survey, municipality):
    empty = services.survey_create(actor=officer, title_nl="Leeg", area=municipality)
    client.force_login(officer)

    response = client.post(
        admin_url(Survey, "changelist"),
        {"action": "move_to_open", "_selected_action": [draft_survey.pk, empty.pk]},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )

    draft_survey.refresh_from_db()
    empty.refresh_from_db()
    assert (draft_survey.status, empty.status) == ("open", "draft")
    messages = [str(m) for m in response.context["messages"]]
    assert any(f"#{empty.pk}" in m and "question" in m for m in messages)


def test_questions_are_read_only_once_someone_answered(client, officer, answered):
    client.force_login(officer)
    question = answered.questions.get(kind=K.SINGLE_CHOICE)

    survey_page = client.get(admin_url(Survey, "change", answered.pk)).content.decode()
    question_page = client.get(admin_url(Question, "change", question.pk)).content.decode()
    posted = client.post(
        admin_url(Question, "change", question.pk),
        {"kind": "likert", "text_nl": "Anders", "position": 3},
    )

    assert 'name="questions-0-text_nl"' not in survey_page
    assert "Waar maakt u zich het meest zorgen over?" in survey_page
    assert 'name="area"' not in survey_page
    assert 'name="_save"' not in question_page
    assert posted.status_code == 403
    question.refresh_from_db()
    assert question.text_nl == "Waar maakt u zich het meest zorgen over?"


def test_an_unanswered_survey_can_be_edited_with_its_questions(client, officer, draft_survey):
    client.force_login(officer)

    page = client.get(admin_url(Survey, "change", draft_survey.pk)).content.decode()

    assert 'name="questions-0-text_nl"' in page
    assert 'name="area"' in page


def test_a_question_added_by_hand_gets_the_kind_rules(client, officer, draft_survey, heat):
    client.force_login(officer)

    response = client.post(
        admin_url(Question, "add"),
        {
            "survey": draft_survey.pk,
            "position": 20,
            "kind": "likert",
            "text_nl": "Groen genoeg?",
            "min_value": "1",
            "theme": heat.pk,
            "options-TOTAL_FORMS": "0",
            "options-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert set(errors) == {"min_value", "theme"}
    assert not draft_survey.questions.filter(position=20).exists()


def test_codes_are_not_made_or_removed_by_hand(client, officer, answered):
    client.force_login(officer)
    invitation = first(Invitation)

    assert client.get(admin_url(Invitation, "add")).status_code == 403
    assert client.post(admin_url(Invitation, "delete", invitation.pk)).status_code == 403
    page = client.get(admin_url(Invitation, "change", invitation.pk)).content.decode()
    assert 'name="_save"' not in page


def test_codes_filter_by_used(client, officer, answered):
    client.force_login(officer)

    unused = client.get(admin_url(Invitation, "changelist"), {"used": "no"})
    used = client.get(admin_url(Invitation, "changelist"), {"used": "yes"})

    assert len(unused.context["cl"].result_list) == 1
    assert len(used.context["cl"].result_list) == 0


def test_officers_delete_nothing(client, officer, answered):
    client.force_login(officer)

    for model in ALL:
        obj = first(model)
        assert client.post(admin_url(model, "delete", obj.pk)).status_code == 403, model
    assert Survey.objects.count() == 1


def test_a_survey_added_in_the_admin_starts_as_a_draft_with_its_history(
    client, officer, municipality
):
    client.force_login(officer)

    response = client.post(
        admin_url(Survey, "add"),
        {
            "title_nl": "Groen",
            "area": municipality.pk,
            "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0",
        },
    )

    assert response.status_code == 302
    survey = Survey.objects.get()
    assert (survey.status, survey.created_by) == ("draft", officer)
    assert WorkflowEvent.objects.filter(object_id=survey.pk, to_state="draft").count() == 1


def test_the_admin_refuses_a_survey_that_closes_before_it_opens(client, officer, municipality):
    client.force_login(officer)

    response = client.post(
        admin_url(Survey, "add"),
        {
            "title_nl": "Groen",
            "area": municipality.pk,
            "opens_at_0": "2026-06-01",
            "opens_at_1": "09:00",
            "closes_at_0": "2026-05-01",
            "closes_at_1": "09:00",
            "questions-TOTAL_FORMS": "0",
            "questions-INITIAL_FORMS": "0",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["closes_at"] == [
        "Close the survey after it opens."
    ]
    assert not Survey.objects.exists()

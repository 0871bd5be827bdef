"""The surveys section leads to the results of finished surveys and officers to the builder."""

from civic.workflow import transition
from surveys.models import Survey


def test_a_closed_survey_is_listed_with_a_link_to_its_results(client, survey, officer):
    transition(survey, Survey.Status.CLOSED, actor=officer)

    html = client.get("/surveys/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Results of earlier surveys" in html
    assert f'href="/surveys/{survey.pk}/results/"' in html


def test_an_open_survey_is_not_among_the_results(client, survey):
    html = client.get("/surveys/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'href="/surveys/{survey.pk}/results/"' not in html


def test_officers_find_the_builder_in_the_menu_and_residents_do_not(client, officer, resident):
    client.force_login(officer)
    assert 'href="/surveys/manage/"' in client.get("/surveys/").content.decode()
    client.logout()
    client.force_login(resident)
    assert 'href="/surveys/manage/"' not in client.get("/surveys/").content.decode()

"""The notifications page: a user's own messages, newest first, linked, marked read when seen."""

import re

import pytest

from civic.models import Concern, Notification
from civic.workflow import transition
from tests.civic.test_pages import page_text
from tests.factories import ConcernFactory, ResidentFactory

PAGE = "/notifications/"


@pytest.fixture
def jane(db):
    return ResidentFactory(username="jane", language="en")


def _publish(concern, officer, capture):
    with capture(execute=True):
        transition(concern, Concern.Status.PUBLISHED, actor=officer)


def test_the_page_needs_a_login(client, db):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_a_user_reads_only_their_own_messages_each_linking_to_its_concern(
    client, jane, other_resident, officer, django_capture_on_commit_callbacks
):
    mine = ConcernFactory(author=jane)
    theirs = ConcernFactory(author=other_resident)
    _publish(mine, officer, django_capture_on_commit_callbacks)
    _publish(theirs, officer, django_capture_on_commit_callbacks)
    client.force_login(jane)

    response = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    text = page_text(response)
    assert f"Your concern #{mine.pk} is now: published." in text
    assert f"#{theirs.pk}" not in text
    html = response.content.decode()
    assert f'<a href="/concerns/mine/#concern-{mine.pk}">' in html
    assert 'href="/notifications/preferences/"' in html


def test_opening_the_page_shows_what_is_new_then_marks_it_read(
    client, jane, officer, django_capture_on_commit_callbacks
):
    _publish(ConcernFactory(author=jane), officer, django_capture_on_commit_callbacks)
    client.force_login(jane)

    first = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert '<li class="unread">' in first
    assert '<li class="unread">' not in second
    assert Notification.objects.get(recipient=jane).read_at is not None


def test_a_link_to_another_site_is_shown_as_text_only(
    client, jane, officer, django_capture_on_commit_callbacks
):
    _publish(ConcernFactory(author=jane), officer, django_capture_on_commit_callbacks)
    Notification.objects.filter(recipient=jane).update(url="https://evil.example/")
    client.force_login(jane)

    html = client.get(PAGE).content.decode()

    assert "evil.example" not in html


def test_many_messages_are_paged_newest_first(
    client, jane, officer, django_capture_on_commit_callbacks
):
    concerns = [ConcernFactory(author=jane) for _ in range(31)]
    for concern in concerns:
        _publish(concern, officer, django_capture_on_commit_callbacks)
    client.force_login(jane)

    first = page_text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="en"))
    second = page_text(client.get(PAGE + "?page=2", HTTP_ACCEPT_LANGUAGE="en"))

    assert f"#{concerns[-1].pk} " in first and f"#{concerns[0].pk} " not in first
    assert f"#{concerns[0].pk} " in second
    assert re.search(r"Page 1 of 2", first)

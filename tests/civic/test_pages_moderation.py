"""The officers' moderation queue: who may see it, and publishing or rejecting in place."""

from datetime import timedelta

import pytest
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone

from civic.models import Concern, WorkflowEvent
from tests.civic.test_pages import log_in, page_text, text_of, walk  # noqa: F401
from tests.factories import ConcernFactory

pytestmark = pytest.mark.django_db

MODERATION_URL = "/moderation/"
LOGIN_URL = "/accounts/login/"


# --------------------------------------------------------------- moderation
def test_moderation_is_closed_to_residents_and_council(client, resident, council):
    assert log_in(client, resident).get(MODERATION_URL).status_code == 403
    assert log_in(client, council).get(MODERATION_URL).status_code == 403


def test_moderation_sends_visitors_to_the_login(client):
    response = client.get(MODERATION_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={MODERATION_URL}"


def test_officer_sees_submitted_concerns_oldest_first(client, officer, heat):
    newer = ConcernFactory(theme=heat, description="Newer: puddle on the bike path")
    older = ConcernFactory(theme=heat, description="Older: no trees on the square")
    Concern.objects.filter(pk=older.pk).update(created_at=timezone.now() - timedelta(days=3))
    ConcernFactory(theme=heat, description="Already public", status=Concern.Status.PUBLISHED)

    response = log_in(client, officer).get(MODERATION_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    text = page_text(response)
    assert "Already public" not in text
    assert text.index("Older: no trees on the square") < text.index("Newer: puddle on the bike")
    assert f'id="moderation-row-{newer.pk}"' in response.content.decode()


def test_officer_publishes_a_concern_and_gets_the_updated_row(client, officer, heat):
    concern = ConcernFactory(theme=heat, description="Hot playground")

    response = log_in(client, officer).post(
        reverse("civic:moderation_decide", args=[concern.pk]),
        {"to": "published", "note": ""},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 200
    html = response.content.decode().strip()
    assert html.startswith(f'<tr id="moderation-row-{concern.pk}">')
    assert "<html" not in html
    assert "status-published" in html
    assert 'name="to"' not in html
    concern.refresh_from_db()
    assert concern.status == Concern.Status.PUBLISHED
    assert WorkflowEvent.objects.filter(
        object_id=concern.pk, from_state="submitted", to_state="published", actor=officer
    ).exists()


def test_rejecting_without_a_note_is_refused(client, officer, heat):
    concern = ConcernFactory(theme=heat, description="Vague complaint")

    response = log_in(client, officer).post(
        reverse("civic:moderation_decide", args=[concern.pk]),
        {"to": "rejected", "note": "  "},
        HTTP_HX_REQUEST="true",
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "A note is required" in text_of(parse_html(response.content.decode()))
    assert 'name="to"' in response.content.decode()
    concern.refresh_from_db()
    assert concern.status == Concern.Status.SUBMITTED
    assert not WorkflowEvent.objects.exists()


def test_residents_cannot_moderate(client, resident, heat):
    concern = ConcernFactory(theme=heat)

    response = log_in(client, resident).post(
        reverse("civic:moderation_decide", args=[concern.pk]),
        {"to": "published"},
        HTTP_HX_REQUEST="true",
    )

    assert response.status_code == 403
    concern.refresh_from_db()
    assert concern.status == Concern.Status.SUBMITTED

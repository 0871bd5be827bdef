"""The interventions section's index page, as a visitor reaches it."""

from django.urls import reverse


def test_index_url_is_named():
    assert reverse("interventions:index") == "/interventions/"


def test_index_shows_the_section_title_and_lead(client, db):
    response = client.get("/interventions/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Interventions</h1>" in html
    assert "<title>Interventions · " in html
    assert "No proposals yet." in html

"""The surveys section's index page, as a visitor reaches it."""

from django.urls import reverse


def test_index_url_is_named():
    assert reverse("surveys:index") == "/surveys/"


def test_index_shows_the_section_title_and_lead(client, db):
    response = client.get("/surveys/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Surveys</h1>" in html
    assert "<title>Surveys · " in html
    assert "Map-based questionnaires" in html

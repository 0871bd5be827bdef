"""The sensors section's index page, as a visitor reaches it."""

from django.urls import reverse


def test_index_url_is_named():
    assert reverse("sensors:index") == "/sensors/"


def test_index_shows_the_section_title_and_lead(client, db):
    response = client.get("/sensors/", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Sensor network</h1>" in html
    assert "<title>Sensor network · " in html
    assert "Garden sensors and weather stations" in html

"""Refusals and missing pages read as the site's own pages, in the visitor's language."""

import pytest
from django.contrib.staticfiles import finders


@pytest.mark.parametrize(
    ("language", "title", "text"),
    [
        ("en", "No access", "Your account may not open this page."),
        ("nl", "Geen toegang", "Met je account kun je deze pagina niet openen."),
    ],
)
def test_a_page_refused_to_a_resident_says_so_within_the_site(
    client, resident, language, title, text
):
    client.force_login(resident)

    page = client.get("/moderation/", HTTP_ACCEPT_LANGUAGE=language)

    assert page.status_code == 403
    html = page.content.decode()
    assert f"<h1>{title}</h1>" in html
    assert text in html
    # The site's header and a way back, not Django's bare "403 Forbidden".
    assert 'class="site-header"' in html
    assert 'href="/"' in html


def test_a_missing_page_offers_the_way_back_in_dutch(client, db):
    page = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="nl")

    assert page.status_code == 404
    html = page.content.decode()
    assert "<h1>Pagina niet gevonden</h1>" in html
    assert "Terug naar de kaart" in html


def test_browsers_asking_for_a_favicon_get_the_sites_icon(client, db):
    answer = client.get("/favicon.ico")

    # Not a 404 in every console of the admin and the API pages.
    assert answer.status_code == 302
    assert answer["Location"] == "/static/civic/img/favicon.svg"
    assert finders.find("civic/img/favicon.svg")


def test_the_javascript_catalog_carries_the_map_controls_in_dutch(client, db):
    # static/civic/js/maps.js titles Leaflet's zoom buttons with these.
    catalog = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()

    assert '"Zoom in": "Inzoomen"' in catalog
    assert '"Zoom out": "Uitzoomen"' in catalog

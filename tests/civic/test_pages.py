"""The core pages as residents, officers and visitors use them through the browser's HTTP."""

import re
from io import BytesIO

import pytest
from django.contrib.gis.geos import Point
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.html import Element, parse_html
from django.urls import reverse
from PIL import Image

from civic import services, workflow
from civic.models import Concern, WorkflowEvent
from tests.factories import CENTRE, PASSWORD, ConcernFactory

pytestmark = pytest.mark.django_db

MAP_URL = "/"
NEW_URL = "/concerns/new/"
MINE_URL = "/concerns/mine/"
MODERATION_URL = "/moderation/"
LOGIN_URL = "/accounts/login/"


# ------------------------------------------------------------------ helpers
def jpeg_upload(name: str = "photo.jpg") -> SimpleUploadedFile:
    buffer = BytesIO()
    Image.new("RGB", (32, 24), (200, 80, 40)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def bomb_png_upload() -> SimpleUploadedFile:
    """The probe's file: a one-colour 6300 x 6300 PNG of some 50 KB (40 million pixels)."""
    buffer = BytesIO()
    Image.new("L", (6300, 6300), 255).save(buffer, format="PNG", optimize=True)
    return SimpleUploadedFile("plein.png", buffer.getvalue(), content_type="image/png")


def text_of(node) -> str:
    """The visible text of a parsed node, whitespace collapsed."""
    if isinstance(node, str):
        return node
    return " ".join(" ".join(text_of(child) for child in node.children).split())


def walk(node):
    if isinstance(node, Element):
        yield node
        for child in node.children:
            yield from walk(child)


def block_of_field(html: str, field: str) -> str:
    """The text of the fieldset or form field block that holds the input named `field`."""
    root = parse_html(html)
    candidates = [
        el
        for el in walk(root)
        if el.name == "fieldset"
        or (el.name == "div" and "field" in dict(el.attributes).get("class", "").split())
    ]
    holding = [
        block
        for block in candidates
        if any(
            dict(inner.attributes).get("name") == field
            for inner in walk(block)
            if inner.name in {"input", "textarea", "select"}
        )
    ]
    assert holding, f"no block holds the field {field!r}"
    return text_of(holding[-1])


def page_text(response) -> str:
    return text_of(parse_html(response.content.decode()))


def html_lang(response) -> str:
    match = re.search(r'<html lang="([^"]+)"', response.content.decode())
    assert match, "the page has no <html lang>"
    return match.group(1)


def log_in(client, user):
    client.force_login(user)
    return client


def valid_post(chosen_theme, **overrides):
    data = {
        "theme": chosen_theme.pk,
        "description": "The square has no shade at all in the afternoon.",
        "latitude": CENTRE[1],
        "longitude": CENTRE[0],
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --------------------------------------------------------------- public map
def test_public_map_shows_the_theme_legend_to_visitors(client, municipality, heat, flooding):
    response = client.get(MAP_URL, HTTP_ACCEPT_LANGUAGE="nl")

    assert response.status_code == 200
    legend = [
        text_of(li)
        for el in walk(parse_html(response.content.decode()))
        if el.name == "ul" and ("class", "legend") in el.attributes
        for li in el.children
        if isinstance(li, Element)
    ]
    assert legend == ["Wateroverlast", "Hitte"]
    assert reverse("account_login") in response.content.decode()


def test_public_map_loads_no_script_or_style_from_another_site(client, heat):
    html = client.get(MAP_URL).content.decode()

    tags = re.findall(r"<(?:script|link)\b[^>]*>", html)
    assert any("leaflet" in tag for tag in tags)
    external = [tag for tag in tags if re.search(r"(?:https?:)?//", tag)]
    assert external == []


# ----------------------------------------------------------- file a concern
def test_filing_a_concern_needs_a_login(client, heat):
    response = client.get(NEW_URL)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN_URL}?next={NEW_URL}"


def test_resident_sees_the_concern_form_with_map_and_themes(client, resident, heat, flooding):
    response = log_in(client, resident).get(NEW_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="concern-new-map"' in html
    assert block_of_field(html, "theme").count("Heat") == 1
    assert "Flooding" in block_of_field(html, "theme")
    assert "Send concern" in html


def test_valid_concern_is_saved_and_resident_is_thanked(client, resident, heat, neighbourhood):
    log_in(client, resident)

    response = client.post(
        NEW_URL, valid_post(heat, photo=jpeg_upload()), HTTP_ACCEPT_LANGUAGE="en"
    )

    concern = Concern.objects.get()
    assert response.status_code == 302
    assert response["Location"] == MINE_URL
    assert concern.author == resident
    assert concern.theme == heat
    assert concern.description == "The square has no shade at all in the afternoon."
    assert concern.status == Concern.Status.SUBMITTED
    assert concern.area == neighbourhood
    assert concern.photo
    mine = client.get(MINE_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert f"Your concern #{concern.pk} was received" in page_text(mine)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"theme": None}, "theme", "Choose a theme."),
        ({"description": "   "}, "description", "Describe the concern."),
        ({"latitude": 40.0, "longitude": 3.0}, "latitude", "lies outside the municipality"),
        ({"latitude": None, "longitude": None}, "latitude", "Click the map to place your concern."),
        (
            {"photo": SimpleUploadedFile("notes.txt", b"just text", content_type="text/plain")},
            "photo",
            "not an image",
        ),
        ({"photo": bomb_png_upload()}, "photo", "more than 24 megapixels"),
    ],
    ids=[
        "no-theme",
        "empty-description",
        "outside-municipality",
        "no-point",
        "not-an-image",
        "decompression-bomb",
    ],
)
def test_invalid_concern_is_refused_with_the_error_at_the_field(
    client, resident, heat, municipality, overrides, field, message
):
    log_in(client, resident)

    response = client.post(NEW_URL, valid_post(heat, **overrides), HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 400
    next_to_field = block_of_field(response.content.decode(), field)
    assert message in next_to_field
    assert not Concern.objects.exists()
    assert not WorkflowEvent.objects.exists()


def test_refused_form_keeps_what_the_resident_typed(client, resident, heat, municipality):
    log_in(client, resident)

    response = client.post(NEW_URL, valid_post(heat, theme=None), HTTP_ACCEPT_LANGUAGE="en")

    html = response.content.decode()
    assert "The square has no shade at all in the afternoon." in html
    assert f'value="{CENTRE[1]}"' in html


# -------------------------------------------------------------- my concerns
def test_my_concerns_lists_only_my_own_with_history_and_their_updates_on_notifications(
    client,
    resident,
    other_resident,
    officer,
    heat,
    municipality,
    django_capture_on_commit_callbacks,
):
    mine = services.concern_create(
        author=resident,
        theme=heat,
        description="Mine: hot bus stop",
        location=Point(*CENTRE, srid=4326),
    )
    rejected = services.concern_create(
        author=resident,
        theme=heat,
        description="Mine: too vague",
        location=Point(*CENTRE, srid=4326),
    )
    services.concern_create(
        author=other_resident,
        theme=heat,
        description="Someone else's worry",
        location=Point(*CENTRE, srid=4326),
    )
    # Notifications are written in the recipient's language, chosen at sign-up.
    resident.language = "en"
    resident.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(mine, Concern.Status.PUBLISHED, actor=officer)
        workflow.transition(rejected, Concern.Status.REJECTED, actor=officer, note="Where exactly?")

    response = log_in(client, resident).get(MINE_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    text = page_text(response)
    assert "Someone else's worry" not in text
    root = parse_html(response.content.decode())
    cards = {dict(el.attributes)["id"]: text_of(el) for el in walk(root) if el.name == "article"}
    assert set(cards) == {f"concern-{mine.pk}", f"concern-{rejected.pk}"}
    assert "Mine: hot bus stop" in cards[f"concern-{mine.pk}"]
    assert "submitted → published" in cards[f"concern-{mine.pk}"]
    assert "submitted → rejected" in cards[f"concern-{rejected.pk}"]
    assert "Where exactly?" in cards[f"concern-{rejected.pk}"]
    assert 'href="/notifications/"' in response.content.decode()
    updates = page_text(client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en"))
    assert f"Your concern #{mine.pk} is now: published." in updates
    assert f"Your concern #{rejected.pk} is now: rejected." in updates


def test_my_concerns_invites_a_first_concern_when_there_is_none(client, resident):
    response = log_in(client, resident).get(MINE_URL, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert "You have not filed a concern yet." in page_text(response)
    assert f'href="{NEW_URL}"' in response.content.decode()


def test_my_concerns_needs_a_login(client):
    response = client.get(MINE_URL)

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


# ------------------------------------------------------------------- photos
@pytest.fixture
def concern_with_photo(resident, heat, municipality):
    return services.concern_create(
        author=resident,
        theme=heat,
        description="Flooded cellar stairs",
        location=Point(*CENTRE, srid=4326),
        photo=jpeg_upload(),
    )


def photo_url(concern) -> str:
    return reverse("civic:concern_photo", args=[concern.pk])


def test_author_sees_the_photo_of_an_unpublished_concern(client, resident, concern_with_photo):
    response = log_in(client, resident).get(photo_url(concern_with_photo))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content).startswith(b"\xff\xd8")


def test_others_cannot_see_the_photo_of_an_unpublished_concern(
    client, other_resident, concern_with_photo
):
    assert client.get(photo_url(concern_with_photo)).status_code == 404
    assert log_in(client, other_resident).get(photo_url(concern_with_photo)).status_code == 404


def test_everyone_sees_the_photo_once_published(
    client, other_resident, officer, concern_with_photo
):
    workflow.transition(concern_with_photo, Concern.Status.PUBLISHED, actor=officer)

    anonymous = client.get(photo_url(concern_with_photo))
    other = log_in(client, other_resident).get(photo_url(concern_with_photo))

    assert anonymous.status_code == 200
    assert anonymous["Content-Type"] == "image/jpeg"
    assert other.status_code == 200


# ---------------------------------------------------------------- languages
@pytest.mark.parametrize(("language", "theme_name"), [("en", "Heat"), ("nl", "Hitte")])
@pytest.mark.parametrize(
    ("url", "who"),
    [(MAP_URL, None), (NEW_URL, "resident"), (MINE_URL, "resident"), (MODERATION_URL, "officer")],
)
def test_pages_render_in_the_visitors_language(
    client, request, heat, url, who, language, theme_name
):
    if who:
        log_in(client, request.getfixturevalue(who))
    ConcernFactory(theme=heat, author=request.getfixturevalue("resident"))

    response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert html_lang(response) == language
    assert theme_name in page_text(response)


# ------------------------------------------------------------------- login
# Signing up (confirm by the e-mail link, then file a concern): test_signup_privacy.py.
def test_resident_logs_in_with_email_through_the_login_page(client, resident):
    response = client.post(LOGIN_URL, {"login": resident.email, "password": PASSWORD})

    assert response.status_code == 302
    # LOGIN_REDIRECT_URL is the landing per role (civic.menu): a resident's concerns.
    assert response["Location"] == "/start/"
    assert client.get("/start/")["Location"] == MINE_URL
    assert client.get(MINE_URL).status_code == 200


def test_the_menu_counts_unread_updates_until_the_notifications_page_is_opened(
    client, resident, officer, heat, municipality, django_capture_on_commit_callbacks
):
    concern = services.concern_create(
        author=resident,
        theme=heat,
        description="Hot bus stop",
        location=Point(*CENTRE, srid=4326),
    )
    with django_capture_on_commit_callbacks(execute=True):
        workflow.transition(concern, Concern.Status.PUBLISHED, actor=officer)
    log_in(client, resident)

    before = page_text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    client.get(MINE_URL, HTTP_ACCEPT_LANGUAGE="en")
    still = page_text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))
    client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    after = page_text(client.get("/", HTTP_ACCEPT_LANGUAGE="en"))

    assert "Notifications 1 update" in before
    assert "Notifications 1 update" in still
    assert "1 update" not in after

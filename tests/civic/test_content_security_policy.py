"""Every page answers with a strict Content-Security-Policy and a Referrer-Policy, and its
markup needs nothing the policy refuses: no inline script, event handler or style.

The browser sweep (tests/e2e/test_browser_no_script_from_user_text.py) shows the
policy and the pages fit in a real browser; this test checks every page quickly.
"""

from html.parser import HTMLParser

import pytest
from django.contrib.gis.geos import Point
from django.test import Client, override_settings
from django.urls import path

from civic import services
from civic.csp import tile_source
from civic.urls import urlpatterns as site_urlpatterns
from civic.workflow import transition
from sensors.services import sensor_register
from surveys import services as survey_services
from surveys.models import Question, Survey
from surveys.services import QuestionSpec
from surveys.workflow import SURVEY_WORKFLOW  # noqa: F401  (the table is registered)
from tests.factories import CENTRE

pytestmark = pytest.mark.django_db

STRICT = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "connect-src": ["'self'"],
    "font-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}


def boom(request):
    raise RuntimeError("a server error")


# The site plus one view that fails, for the 500 page.
urlpatterns = [path("test-server-error/", boom), *site_urlpatterns]


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy")
    assert header, f"no Content-Security-Policy on {response.request['PATH_INFO']}"
    directives = {}
    for part in header.split(";"):
        name, *sources = part.split()
        directives[name] = sources
    return directives


class InlineCode(HTMLParser):
    """Collects what a strict policy refuses: inline scripts, handlers, styles."""

    def __init__(self):
        super().__init__()
        self.found: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action") and (value or "").lower().startswith(
                "javascript:"
            ):
                self.found.append(f"<{tag} {name}={value!r}>")
        if tag == "style":
            self.found.append("<style>")
        # json_script data blocks are not executed; anything else needs a src.
        self._in_script = (
            tag == "script"
            and "src" not in attributes
            and attributes.get("type") != "application/json"
        )

    def handle_data(self, data):
        if self._in_script and data.strip():
            self.found.append(f"<script>{data.strip()[:60]}")

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False


def inline_code(response) -> list[str]:
    parser = InlineCode()
    parser.feed(response.content.decode())
    return parser.found


@pytest.fixture
def world(municipality, heat, resident, officer):
    concern = services.concern_create(
        author=resident, theme=heat, description="Geen schaduw", location=Point(*CENTRE, srid=4326)
    )
    survey = survey_services.survey_create(
        actor=officer, title_nl="Hitte", title_en="Heat", area=municipality
    )
    survey_services.questions_replace(
        actor=officer,
        survey=survey,
        questions=[
            QuestionSpec(Question.Kind.MAP_POINT, "Waar?", "Where?", theme=heat),
            QuestionSpec(Question.Kind.MAP_AREA, "Welk gebied?", "Which area?"),
        ],
    )
    transition(survey, Survey.Status.OPEN, actor=officer)
    sensor_register(
        actor=resident,
        external_id="tuin-01",
        hardware="meetjestad",
        quantities=["air_temperature"],
        location=Point(*CENTRE, srid=4326),
    )
    return {"concern": concern, "survey": survey}


def client_for(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def pages(world) -> dict[str, list[str]]:
    survey, concern = world["survey"].pk, world["concern"].pk
    public = [
        "/",
        "/surveys/",
        f"/surveys/{survey}/",
        "/sensors/",
        "/interventions/",
        "/accounts/login/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/admin/login/",
        "/api/docs/",
    ]
    return {
        "anonymous": public,
        "resident": ["/concerns/new/", "/concerns/mine/", "/sensors/mine/", "/accounts/email/"],
        "officer": [
            "/moderation/",
            "/surveys/manage/",
            f"/surveys/manage/{survey}/",
            f"/surveys/manage/{survey}/questions/",
            f"/surveys/{survey}/results/",
            "/sensors/health/",
            "/sensors/upload/",
            "/admin/",
            "/admin/civic/concern/",
            f"/admin/civic/concern/{concern}/change/",  # django-leaflet's map widget
            "/admin/civic/challenge/add/",
            "/admin/surveys/survey/",
        ],
        "council": ["/admin/", "/admin/civic/concern/", f"/surveys/{survey}/results/"],
    }


def test_every_page_sends_the_strict_policy_and_a_referrer_policy(
    world, resident, officer, council
):
    users = {"anonymous": None, "resident": resident, "officer": officer, "council": council}
    for role, paths in pages(world).items():
        client = client_for(users[role])
        for url in paths:
            response = client.get(url)
            assert response.status_code == 200, (role, url, response.status_code)

            assert policy_of(response) == STRICT, (role, url)
            assert response.headers["Referrer-Policy"] == "same-origin", (role, url)
            assert inline_code(response) == [], (role, url)


def test_the_browsable_api_allows_style_attributes_but_no_inline_script(world, officer):
    # DRF's own templates place a few buttons with style="float: right".
    client = client_for(officer)
    for url in ("/api/v1/", "/api/v1/concerns/", f"/api/v1/surveys/{world['survey'].pk}/"):
        response = client.get(url, HTTP_ACCEPT="text/html")
        assert response["Content-Type"].startswith("text/html"), url

        assert policy_of(response) == {**STRICT, "style-src-attr": ["'unsafe-inline'"]}, url
        assert [code for code in inline_code(response) if " style=" not in code] == [], url
    # The JSON answers keep the strict policy.
    assert policy_of(client.get("/api/v1/concerns/", HTTP_ACCEPT="application/json")) == STRICT


def test_the_admins_map_widget_starts_from_a_script_file(world, officer):
    response = client_for(officer).get(f"/admin/civic/concern/{world['concern'].pk}/change/")
    html = response.content.decode()

    assert inline_code(response) == []
    assert 'class="django-leaflet-map"' in html
    assert 'class="django-leaflet-widget"' in html
    assert '<script src="/static/civic/js/leaflet_setup.js"></script>' in html


def test_swagger_ui_starts_from_a_script_file(db):
    page = Client().get("/api/docs/")
    script = Client().get("/api/docs/?script=")

    assert inline_code(page) == []
    assert '<script src="/api/docs/?script="></script>' in page.content.decode()
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle(" in script.content.decode()


@override_settings(ROOT_URLCONF=__name__)
def test_error_pages_send_the_policy(db):
    not_found = Client().get("/no-such-page/")
    server_error = Client(raise_request_exception=False).get("/test-server-error/")
    csrf_failure = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en").post(
        "/i18n/setlang/", {"language": "en"}
    )

    for response in (not_found, server_error, csrf_failure):
        assert policy_of(response) == STRICT, response.status_code
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert inline_code(response) == [], response.status_code
    assert (not_found.status_code, server_error.status_code, csrf_failure.status_code) == (
        404,
        500,
        403,
    )
    # Django's own CSRF page has an inline <style>; ours says what to do.
    assert "reload the page" in csrf_failure.content.decode()


@pytest.mark.parametrize(
    "tiles, source",
    [
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("https://tiles.example.org:8443/{z}/{x}/{y}.png", "https://tiles.example.org:8443"),
        ("https://user:secret@tiles.example.org/{z}/{x}/{y}.png", "https://tiles.example.org"),
        ("https://a{s}.tiles.example.org/{z}/{x}/{y}.png", "https://*.tiles.example.org"),
        ("https://{s}/{z}/{x}/{y}.png", None),  # no host left to name
        ("/tiles/{z}/{x}/{y}.png", None),  # our own host: 'self' already
        ("", None),
    ],
)
def test_the_tile_host_becomes_an_image_source(tiles, source):
    assert tile_source(tiles) == source


def test_the_lockout_page_keeps_the_strict_policy(resident):
    client = Client()
    for _ in range(6):
        response = client.post(
            "/accounts/login/", {"login": resident.username, "password": "not-the-password"}
        )

    assert response.status_code == 429
    assert policy_of(response) == STRICT
    assert inline_code(response) == []

"""Odd input is a 4xx naming the problem: deep JSON, NUL and control characters in URLs."""

import json
import tracemalloc

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from rest_framework.test import APIClient

from civic.input_checks import json_loads
from tests.civic.conftest import geojson_point
from tests.factories import ConcernFactory

pytestmark = pytest.mark.django_db


def nested(depth: int, leaf: str = "1") -> str:
    """JSON text: `depth` arrays, one inside the other."""
    return "[" * depth + leaf + "]" * depth


def post_json(client: APIClient, url: str, text: str):
    return client.post(url, data=text, content_type="application/json")


@pytest.fixture
def api():
    # The token endpoint's throttle counts in the shared cache: start from none.
    cache.clear()
    # An attacker sees what the server answers, never a re-raised exception.
    yield APIClient(raise_request_exception=False, HTTP_ACCEPT_LANGUAGE="en")
    cache.clear()


@pytest.fixture
def as_resident(api, resident):
    api.force_authenticate(resident)
    return api


# ---------------------------------------------------------------- JSON nesting


def test_deep_json_to_the_token_endpoint_is_a_400_naming_the_limit(api, resident):
    response = post_json(api, "/api/v1/auth/token/", '{"username": ' + nested(1000) + "}")

    assert response.status_code == 400
    assert response.json() == {"detail": "JSON nested deeper than 64 levels is not accepted."}


def test_a_json_body_past_the_size_limit_is_refused_before_parsing(api, resident):
    # ~11 MB of empty arrays once took the web process past 2.7 GB while checked.
    body = '{"username": [' + ",".join(["[]"] * 1_100_000) + '], "password": "x"}'

    response = post_json(api, "/api/v1/auth/token/", body)

    assert response.status_code == 413
    assert response.json() == {"detail": "A JSON body may be at most 2048 KiB."}


def test_a_full_batch_of_readings_fits_the_size_limit(settings):
    # The largest legitimate JSON body: a device's 10,000 readings (sensors.ingest.MAX_BATCH).
    reading = '{"quantity": "air_temperature", "observed_at": "2026-07-01T12:00:00+02:00", '
    body = '{"readings": [' + ",".join([reading + '"value": -12.75}'] * 10_000) + "]}"

    assert len(body.encode()) < settings.CIVIC_JSON_MAX_BYTES


def test_checking_wide_json_near_the_depth_limit_costs_memory_in_proportion(settings):
    # Many containers at depth 60: the check once kept a copy of the whole path
    # per container (11x the parsed body's memory; an anonymous DoS).
    text = "[" * 59 + ",".join(["[]"] * 20_000) + "]" * 59

    def peak(load) -> int:
        tracemalloc.start()
        try:
            load(text)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    plain, checked = peak(json.loads), peak(json_loads)

    assert checked < 3 * plain, (plain, checked)


def test_deep_json_filing_a_concern_is_a_400_and_files_nothing(as_resident, heat):
    body = (
        '{"theme": "heat", "description": "Hot", "location": {"type": "Point", '
        '"coordinates": ' + nested(1000) + "}}"
    )

    response = post_json(as_resident, "/api/v1/concerns/", body)

    assert response.status_code == 400
    assert "64 levels" in response.json()["detail"]
    assert not ConcernFactory._meta.model.objects.exists()


def test_deep_json_text_in_a_multipart_location_names_the_field(as_resident, heat):
    response = as_resident.post(
        "/api/v1/concerns/",
        {"theme": "heat", "description": "Hot", "location": nested(1000)},
        format="multipart",
    )

    assert response.status_code == 400
    assert response.json() == {"location": ["JSON nested deeper than 64 levels is not accepted."]}


@override_settings(CIVIC_JSON_MAX_DEPTH=3)
def test_the_depth_limit_is_a_setting(as_resident, heat, municipality):
    at_limit = {"theme": "heat", "description": "Hot", "location": geojson_point()}
    # {} holds {} holds [] is 3 levels: accepted; one level more is refused.
    accepted = as_resident.post("/api/v1/concerns/", at_limit, format="json")
    refused = post_json(
        as_resident,
        "/api/v1/concerns/",
        '{"theme": "heat", "description": "Hot", "location": {"type": "Point", '
        '"coordinates": [[6.06, 52.528]]}}',
    )

    assert accepted.status_code == 201, accepted.json()
    assert refused.status_code == 400
    assert refused.json() == {"detail": "JSON nested deeper than 3 levels is not accepted."}


# ---------------------------------------------------------------- text PostgreSQL cannot store


@pytest.mark.parametrize("escape", ["\\u0000", "\\ud800", "\\udfff"])
def test_unstorable_text_in_json_names_the_field(as_resident, heat, escape):
    body = (
        '{"theme": "he' + escape + 'at", "description": "Hot", '
        '"location": {"type": "Point", "coordinates": [6.06, 52.528]}}'
    )

    response = post_json(as_resident, "/api/v1/concerns/", body)

    assert response.status_code == 400
    assert list(response.json()) == ["theme"]


def test_a_surrogate_pair_is_text_like_any_other(as_resident, heat, municipality):
    body = (
        '{"theme": "heat", "description": "Hot \\ud83d\\udd25", '
        '"location": {"type": "Point", "coordinates": [6.06, 52.528]}}'
    )

    response = post_json(as_resident, "/api/v1/concerns/", body)

    assert response.status_code == 201
    assert response.json()["properties"]["description"] == "Hot \N{FIRE}"


def test_nul_in_a_multipart_field_names_the_field(as_resident, heat):
    response = as_resident.post(
        "/api/v1/concerns/",
        {"theme": "he\x00at", "description": "Hot", "latitude": "52.528", "longitude": "6.06"},
        format="multipart",
    )

    assert response.status_code == 400
    assert list(response.json()) == ["theme"]


# ---------------------------------------------------------------- NUL in paths, queries, cookies


@pytest.mark.parametrize("path", ["/api/v1/themes/%00/", "/api/v1/themes/heat%01/"])
def test_a_control_character_in_an_api_path_is_a_json_404(api, heat, path):
    response = api.get(path)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/concerns/?theme=%00",
        "/api/v1/concerns/?status=published&source=%00web",
        "/api/v1/concerns/?in_bbox=%00",
        "/api/v1/challenges/?area=%00",
        "/api/v1/areas/?code=%00",
        "/api/v1/sensors/?status=%00",
        "/api/v1/surveys/?area=%00",
        "/api/v1/themes/?%00=1",
    ],
)
def test_nul_in_an_api_filter_is_a_400_naming_the_parameter(api, url):
    response = api.get(url)

    assert response.status_code == 400
    name = url.split("?")[1].split("=")[0].split("&")[-1]
    expected = "source" if "source" in url else name.replace("%00", "\N{REPLACEMENT CHARACTER}")
    assert list(response.json()) == [expected]


def test_an_api_path_that_is_no_number_is_a_json_404(api):
    response = api.get("/api/v1/surveys/abc/results/")

    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}


@pytest.mark.parametrize(
    "url",
    [
        "/admin/civic/concern/?q=%00",
        "/admin/civic/concern/?status=%00",
        "/admin/civic/concern/?theme__id__exact=%00",
        "/admin/civic/challenge/?q=x%00y",
    ],
)
def test_nul_in_an_admin_filter_is_a_400(admin_user, url):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)

    assert client.get(url).status_code == 400


def test_nul_in_an_admin_path_is_a_404(admin_user):
    client = Client(raise_request_exception=False)
    client.force_login(admin_user)

    assert client.get("/admin/civic/concern/%00/change/").status_code == 404


def test_a_cookie_holding_nul_is_a_400(resident):
    client = Client(raise_request_exception=False)

    # Django unquotes the octal escape of a quoted cookie value into a real NUL.
    response = client.get("/", HTTP_COOKIE='sessionid="abcdefgh\\000ijklmnop"')

    assert response.status_code == 400


def test_tabs_and_newlines_in_a_query_are_harmless(api, heat):
    response = api.get("/api/v1/concerns/", {"theme": "heat\t\n"})

    assert response.status_code == 200


# ---------------------------------------------------------------- every API view


def _api_views():
    """(route, view class, parser classes) of every API view the URL conf routes to."""
    from django.urls import URLPattern, URLResolver, get_resolver
    from rest_framework.views import APIView

    def walk(patterns, prefix=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "cls", None)
                if view is not None and issubclass(view, APIView):
                    initkwargs = getattr(pattern.callback, "initkwargs", {})
                    parsers = initkwargs.get("parser_classes", view.parser_classes)
                    yield prefix + str(pattern.pattern), view, parsers

    return list(walk(get_resolver().url_patterns))


def test_every_api_view_parses_bodies_with_the_checking_parsers():
    from civic.api import parsers

    checked = (parsers.JSONParser, parsers.FormParser, parsers.MultiPartParser)
    views = _api_views()
    unchecked = [
        f"{route} {view.__name__}: {parser.__name__}"
        for route, view, view_parsers in views
        for parser in view_parsers
        if not issubclass(parser, checked)
    ]

    assert len(views) > 20
    assert not unchecked, "API views parsing bodies without civic.api.parsers:\n" + "\n".join(
        unchecked
    )


# ---------------------------------------------------------------- page sizes


@pytest.mark.parametrize("size", ["abc", "0", "-1", "1001", "1.5", "null"])
def test_a_page_size_out_of_range_is_a_400_naming_it(api, size):
    response = api.get("/api/v1/concerns/", {"page_size": size})

    assert response.status_code == 400
    assert list(response.json()) == ["page_size"]
    assert "1000" in response.json()["page_size"][0]


@pytest.mark.parametrize("path", ["/api/v1/areas/", "/api/v1/concerns/", "/api/v1/challenges/"])
def test_an_empty_page_number_is_a_400_naming_it_not_the_first_page(api, path):
    response = api.get(path, {"page": ""})

    assert response.status_code == 400
    assert list(response.json()) == ["page"]


def test_a_page_size_in_range_sizes_the_page(api, heat, municipality):
    ConcernFactory.create_batch(3, theme=heat, status="published")

    response = api.get("/api/v1/concerns/", {"page_size": "2"})

    assert response.status_code == 200
    assert len(response.json()["features"]) == 2
    assert response.json()["count"] == 3


def test_a_refusal_speaks_dutch_by_default(resident):
    client = APIClient(raise_request_exception=False)

    response = post_json(client, "/api/v1/auth/token/", nested(100))
    filtered = client.get("/api/v1/concerns/", {"theme": "\x07"})

    assert response.json() == {
        "detail": "JSON dat dieper dan 64 niveaus genest is, wordt niet aangenomen."
    }
    assert filtered.json() == {"theme": ["Stuurtekens worden in een parameter niet aangenomen."]}

"""The OpenAPI document and the Swagger UI that works without reaching another host."""

import re

import pytest
from rest_framework.test import APIClient


@pytest.fixture
def schema(db):
    response = APIClient().get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    return response.json()


def test_schema_is_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Participatory planning workflow API"


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/v1/themes/", {"get"}),
        ("/api/v1/themes/{slug}/", {"get"}),
        ("/api/v1/areas/", {"get"}),
        ("/api/v1/areas/{id}/", {"get"}),
        ("/api/v1/concerns/", {"get", "post"}),
        ("/api/v1/concerns/{id}/", {"get", "patch"}),
        ("/api/v1/concerns/{id}/transition/", {"post"}),
        ("/api/v1/challenges/", {"get", "post"}),
        ("/api/v1/challenges/{id}/", {"get"}),
        ("/api/v1/challenges/{id}/transition/", {"post"}),
        ("/api/v1/challenges/{id}/link-concerns/", {"post"}),
        ("/api/v1/auth/token/", {"post"}),
    ],
)
def test_schema_documents_each_endpoint(schema, path, methods):
    assert path in schema["paths"]
    assert methods <= set(schema["paths"][path])


def test_schema_documents_the_concern_filters(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/concerns/"]["get"]["parameters"]}

    assert {"in_bbox", "theme", "status", "area", "page", "page_size"} <= names


def test_schema_yaml_is_served_by_default(db):
    response = APIClient().get("/api/schema/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    assert b"openapi: 3." in response.content
    assert b"/api/v1/concerns/{id}/transition/:" in response.content


def test_docs_page_uses_only_local_assets(db):
    response = APIClient().get("/api/docs/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assets = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", html)
    assert any("swagger-ui-bundle" in asset for asset in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        assert not asset.startswith("//"), asset
    lowered = html.lower()
    for host in ("cdn", "jsdelivr", "unpkg", "http://", "https://"):
        assert host not in lowered, host
    # Swagger UI's set-up is a script of its own (no inline script), pointing at the schema.
    assert "/api/docs/?script=" in assets
    script = APIClient().get("/api/docs/?script=")
    assert script["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in script.content.decode()

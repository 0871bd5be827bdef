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


# ---------------------------------------------------------------- what the API really answers


def resolve(schema: dict, node: dict) -> dict:
    """A schema object with its $ref followed."""
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[1]]
    return node


def answer(schema: dict, path: str, method: str, code: str, media: str = "application/json"):
    return resolve(
        schema, schema["paths"][path][method]["responses"][code]["content"][media]["schema"]
    )


@pytest.mark.parametrize(
    ("path", "feature"),
    [
        ("/api/v1/concerns/", "Concern"),
        ("/api/v1/areas/", "Area"),
        ("/api/v1/challenges/", "Challenge"),
        ("/api/v1/sensors/", "Sensor"),
    ],
)
def test_geojson_lists_are_documented_as_feature_collections_with_paging(schema, path, feature):
    page = answer(schema, path, "get", "200")

    # The sensors list also names the period its figures describe.
    period = {"period"} if feature == "Sensor" else set()
    assert set(page["required"]) == {"type", "count", "next", "previous", "features", *period}
    assert "results" not in page["properties"]
    assert resolve(schema, page["properties"]["type"])["enum"] == ["FeatureCollection"]
    features = page["properties"]["features"]
    assert features["type"] == "array"
    assert features["items"] == {"$ref": f"#/components/schemas/{feature}"}
    item = resolve(schema, features["items"])
    assert {"type", "id", "geometry", "properties"} <= set(item["required"])


def test_the_sensor_registration_answers_a_feature_with_its_token(schema):
    created = answer(schema, "/api/v1/sensors/", "post", "201")

    assert "token" in created["properties"]["properties"]["required"]


@pytest.mark.parametrize(
    ("component", "field"),
    [
        ("Area", "parent"),
        ("Concern", "area"),
        ("Challenge", "area"),
        ("Sensor", "area"),
        ("ConcernDetail", "history"),
    ],
)
def test_fields_that_can_be_null_are_nullable(schema, component, field):
    properties = schema["components"]["schemas"][component]["properties"]["properties"]

    assert properties["properties"][field].get("nullable") is True


def test_a_challenge_without_an_area_has_a_null_geometry(schema):
    assert schema["components"]["schemas"]["Challenge"]["properties"]["geometry"]["nullable"]


def test_fields_shown_only_to_officers_are_documented_as_optional(schema):
    concern = schema["components"]["schemas"]["Concern"]["properties"]["properties"]
    sensor = schema["components"]["schemas"]["Sensor"]["properties"]["properties"]

    assert "author" in concern["properties"] and "author" not in concern["required"]
    assert {"external_id", "exact_location"} <= set(sensor["properties"])
    assert not {"external_id", "exact_location"} & set(sensor["required"])


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_every_operation_documents_its_4xx_answers_with_a_json_body(schema):
    missing = []
    for path, method, operation in _operations(schema):
        codes = set(operation["responses"])
        expected = {"400", "401"}
        if "{" in path:
            expected.add("404")
        if method in ("post", "patch"):
            expected |= {"403", "413", "415"}
        if not expected <= codes:
            missing.append(f"{method.upper()} {path}: {sorted(expected - codes)}")
        for code in codes & {"400", "401", "403", "404", "413", "415", "429"}:
            if "application/json" not in operation["responses"][code].get("content", {}):
                missing.append(f"{method.upper()} {path}: {code} without a JSON body")

    assert not missing, "\n".join(missing)


def test_throttled_operations_document_429(schema):
    token = schema["paths"]["/api/v1/auth/token/"]["post"]["responses"]

    assert "429" in token


def test_validation_errors_are_documented_by_field(schema):
    error = answer(schema, "/api/v1/concerns/", "post", "400")

    assert error["type"] == "object"
    assert "by field" in error["description"]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/themes/", "get"),
        ("/api/v1/concerns/", "get"),
        ("/api/v1/concerns/{id}/", "get"),
        ("/api/v1/challenges/", "get"),
        ("/api/v1/sensors/{id}/", "get"),
        ("/api/v1/surveys/", "get"),
        ("/api/v1/auth/token/", "post"),
        ("/api/v1/surveys/{survey_id}/responses/", "post"),
    ],
)
def test_public_operations_are_marked_public(schema, path, method):
    assert {} in schema["paths"][path][method]["security"]


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/concerns/", "post"),
        ("/api/v1/surveys/", "post"),
        ("/api/v1/surveys/{id}/invitations.csv", "get"),
        ("/api/v1/surveys/{survey_id}/my-response/", "get"),
        ("/api/v1/readings/", "post"),
    ],
)
def test_operations_that_need_credentials_are_not_marked_public(schema, path, method):
    assert {} not in schema["paths"][path][method]["security"]


@pytest.mark.parametrize(
    ("path", "media"),
    [
        ("/api/v1/surveys/{id}/results.csv", "text/csv"),
        ("/api/v1/surveys/{id}/invitations.csv", "text/csv"),
        ("/api/v1/surveys/{id}/answers.geojson", "application/geo+json"),
    ],
)
def test_exports_document_their_content_type(schema, path, media):
    responses = schema["paths"][path]["get"]["responses"]

    assert list(responses["200"]["content"]) == [media]
    assert list(responses["404"]["content"]) == ["application/json"]


def test_strict_inputs_document_that_they_take_no_other_fields(schema):
    create = schema["components"]["schemas"]["ConcernInputRequest"]
    patch = schema["components"]["schemas"]["PatchedConcernInputRequest"]

    assert create["additionalProperties"] is False
    assert "photo" in create["properties"] and "photo" not in patch["properties"]


def test_page_sizes_are_documented_with_their_bounds(schema):
    parameters = {p["name"]: p for p in schema["paths"]["/api/v1/concerns/"]["get"]["parameters"]}

    assert parameters["page_size"]["schema"]["minimum"] == 1
    assert parameters["page_size"]["schema"]["maximum"] == 1000
    assert parameters["page"]["schema"]["minimum"] == 1
    assert "in_bbox" not in {
        p["name"] for p in schema["paths"]["/api/v1/concerns/"]["post"].get("parameters", [])
    }

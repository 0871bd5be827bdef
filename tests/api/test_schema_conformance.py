"""schemathesis over every API operation, as each role: no server error, answers as documented.

The schema is the one /api/schema/ serves. Requests go in-process to the
WSGI application, inside the test's transaction, against a small real world
(tests.api.conftest): path parameters are often the ids of real objects, so
detail pages, transitions and exports answer with data, not only 404s.
Besides what schemathesis generates, a hook now and then puts real values
(a theme, a point in the municipality, an invitation code) and hostile ones
(NUL, control characters, 5,000 characters, JSON nested 200 deep) into
fields generated as valid. Examples are bounded (25 per operation and role
besides the coverage cases) and derandomised, so a run is repeatable and
takes about two minutes; a failure lists each distinct problem with a curl
line, and the server's traceback is in the captured log.

Nothing is excluded: every operation, every check named in CHECKS.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from rest_framework.throttling import SimpleRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.core.parameters import ParameterLocation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from civic.wsgi import application
from tests.api.conftest import ApiWorld

ROLES = ["anonymous", "resident", "officer", "council"]
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
CONFIG = schemathesis.Config.from_dict(
    {
        "seed": 8,
        "generation": {
            "mode": "all",
            "max-examples": 25,
            "deterministic": True,
            "database": "none",
            # Credentials are the role's token, never generated ones.
            "with-security-parameters": False,
        },
    }
)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, config=CONFIG)

# The api_world of the running test, read when a case is drawn (hooks have no fixtures).
WORLD: list[ApiWorld] = []


def _collection(path: str) -> str:
    return path.removeprefix("/api/v1/").split("/", 1)[0]


def _nested(depth: int) -> list:
    """[[[…]]]: lists `depth` deep, built without recursion."""
    value: list = []
    for _ in range(depth - 1):
        value = [value]
    return value


# Valid by the schema and hostile to the code: what a probe sends into any text or object.
HOSTILE_TEXT = [
    "\x00",
    "heat\x00",
    "BU0193\x000001",
    "\x07\x1b[2J",
    "\u202egnp.exe",
    "x" * 5000,
    '<img src=x onerror="alert(1)">',
]
HOSTILE_JSON = [_nested(200)]


def _choices(known: list | None, value, *, json_body: bool = False) -> st.SearchStrategy:
    """A real value, a hostile one, or None to keep what was generated."""
    # Real values first: Hypothesis starts from, and shrinks towards, the first branch.
    options = [st.sampled_from(known)] if known else []
    if isinstance(value, str):
        options.append(st.sampled_from(HOSTILE_TEXT))
    elif json_body and isinstance(value, dict | list):
        options.append(st.sampled_from(HOSTILE_JSON))
    return st.one_of(*options, st.none())


@schema.hook
def flatmap_case(context, case):
    """Now and then a path names a real object and a field holds a value that means something,
    or one that means harm.

    Generated data alone rarely names an existing concern, a theme or a point
    inside the municipality, so most writes would stop at a 404 or a 400; and
    it seldom holds a NUL, a control character or JSON nested 200 deep. Only
    parts generated as valid are touched: a negative case stays negative.
    """
    world = WORLD[0]
    meta = case.meta

    def positive(location: ParameterLocation) -> bool:
        return meta is None or not meta.is_negative_at(location)

    draws: dict[str, st.SearchStrategy] = {}
    known = world.ids.get(_collection(case.operation.path))
    params = dict(case.path_parameters or {})
    if params and positive(ParameterLocation.PATH):
        name, value = next(iter(params.items()))
        draws["path"] = st.fixed_dictionaries({name: _choices(known, value)})
    query = dict(case.query or {})
    if query and positive(ParameterLocation.QUERY):
        draws["query"] = st.fixed_dictionaries(
            {name: _choices(world.values.get(name), value) for name, value in query.items()}
        )
    headers = dict(case.headers or {})
    if positive(ParameterLocation.HEADER):
        # Only known values: a NUL cannot be sent in a header at all.
        names = [name for name in world.values if name in headers]
        draws["headers"] = st.fixed_dictionaries(
            {n: _choices(world.values[n], None) for n in names}
        )
    body = dict(case.body) if isinstance(case.body, dict) else None
    if body and positive(ParameterLocation.BODY):
        json_body = case.media_type == "application/json"
        draws["body"] = st.fixed_dictionaries(
            {
                name: _choices(world.values.get(name), value, json_body=json_body)
                for name, value in body.items()
            }
        )
    if not draws:
        return st.just(case)

    def apply(drawn: dict) -> schemathesis.Case:
        # From the generated values each time: a shrinking replay must not stack changes.
        chosen = {
            part: {k: v for k, v in values.items() if v is not None}
            for part, values in drawn.items()
        }
        if chosen.get("path"):
            case.path_parameters = {**params, **chosen["path"]}
        if chosen.get("query"):
            case.query = {**query, **chosen["query"]}
        if chosen.get("headers"):
            case.headers = {**headers, **chosen["headers"]}
        if chosen.get("body"):
            case.body = {**body, **chosen["body"]}
        return case

    return st.fixed_dictionaries(draws).map(apply)


@pytest.fixture
def wsgi_in_test_transaction():
    """Keep the test's database connection open across in-process requests.

    Django closes "old" connections when a request starts and finishes; inside
    the test's transaction that would end it. Django's test client detaches
    the same handlers for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def unthrottled(settings, monkeypatch):
    """The views that name their own throttles (token, anonymous answers) let every case in.

    Throttling is tested on its own; here a 429 after 20 cases would hide what
    the remaining cases reach.
    """
    rates = dict.fromkeys(settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "100000/minute")
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # DRF's throttles copy the rates when they are imported.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_operation_answers_as_documented(
    case, role, api_world, db, wsgi_in_test_transaction, unthrottled
):
    WORLD[:] = [api_world]
    headers = {"Authorization": f"Token {api_world.tokens[role]}"} if role != "anonymous" else {}
    case.call_and_validate(headers=headers, checks=CHECKS)


# The ingest endpoints take a device's token, which no role has.
device_schema = schema.include(path_regex=r"^/api/v1/(readings|ingest)/")


@device_schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_every_ingest_operation_answers_a_device_as_documented(
    case, api_world, db, wsgi_in_test_transaction, unthrottled
):
    WORLD[:] = [api_world]
    case.call_and_validate(
        headers={"Authorization": f"Device {api_world.tokens['device']}"}, checks=CHECKS
    )


def test_the_run_covers_every_documented_operation():
    documented = {
        (method.upper(), path)
        for path, methods in schema.raw_schema["paths"].items()
        for method in methods
        if method in ("get", "post", "put", "patch", "delete")
    }
    generated = {
        (result.ok().method.upper(), result.ok().path) for result in schema.get_all_operations()
    }

    assert len(documented) > 30
    assert generated == documented

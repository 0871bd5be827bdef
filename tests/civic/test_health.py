"""/healthz reports database, Redis and Celery workers, and answers 503 naming what is down."""

import pytest
from django.test import override_settings

from civic.celery import app as civic_celery_app
from tests.worker_fixtures import (  # noqa: F401
    celery_configured,
    celery_worker,
    isolated_celery,
)

# Nothing listens on port 1: connections are refused at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"


def get_health(client):
    response = client.get("/healthz")
    assert response["Content-Type"] == "application/json"
    return response, response.json()


def statuses(body) -> dict[str, str]:
    return {name: check["status"] for name, check in body["checks"].items()}


@pytest.mark.worker
def test_all_ok_with_a_running_worker(client, celery_worker):  # noqa: F811
    response, body = get_health(client)

    assert response.status_code == 200
    assert body["status"] == "ok"
    assert statuses(body) == {"database": "ok", "redis": "ok", "celery": "ok"}
    # Only our worker listens on this test's control exchange.
    assert body["checks"]["celery"]["workers"] == [celery_worker.hostname]
    assert body["checks"]["database"]["postgis"]


def test_no_worker_is_503_naming_celery(client, db, isolated_celery):  # noqa: F811
    response, body = get_health(client)

    assert response.status_code == 503
    assert body["status"] == "down"
    assert statuses(body) == {"database": "ok", "redis": "ok", "celery": "down"}
    assert body["checks"]["celery"]["error"] == "NoWorkerAnswered"


def test_unreachable_redis_is_503_naming_redis(client, db):
    with (
        override_settings(REDIS_URL=DEAD_REDIS),
        celery_configured(civic_celery_app, broker_url=DEAD_REDIS),
    ):
        response, body = get_health(client)

    assert response.status_code == 503
    assert body["status"] == "down"
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["redis"]["error"]
    # Celery's broker is the same Redis, so it cannot be reached either.
    assert body["checks"]["celery"]["status"] == "down"
    assert body["checks"]["database"]["status"] == "ok"


def test_health_is_never_cached(client, db, isolated_celery):  # noqa: F811
    response, _body = get_health(client)

    assert "no-cache" in response["Cache-Control"]
    assert "no-store" in response["Cache-Control"]

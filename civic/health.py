"""/healthz: the state of the database, Redis and the Celery workers."""

import logging
from time import monotonic

import redis
from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civic.celery import app as celery_app

logger = logging.getLogger(__name__)


class NoWorkerAnswered(RuntimeError):
    """No Celery worker answered the ping."""


def _check_database() -> dict:
    with connection.cursor() as cursor:
        cursor.execute("select postgis_lib_version()")
        (postgis,) = cursor.fetchone()
    return {"postgis": postgis}


def _check_redis() -> dict:
    client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)
    client.ping()
    return {}


def _check_celery() -> dict:
    # Our own connection with one retry: the default retries for many seconds when
    # Redis is down, and a health check must answer fast.
    with celery_app.connection_for_write() as connection:
        connection.ensure_connection(max_retries=1, timeout=1)
        # Broadcast ping: each live worker answers with its name.
        replies = celery_app.control.ping(timeout=1.0, connection=connection) or []
    workers = sorted(name for reply in replies for name in reply)
    if not workers:
        raise NoWorkerAnswered
    return {"workers": workers}


CHECKS = {"database": _check_database, "redis": _check_redis, "celery": _check_celery}


@never_cache
@require_GET
def healthz(request) -> JsonResponse:
    """200 when every part answers, 503 naming what is down."""
    report: dict[str, dict] = {}
    healthy = True
    for name, check in CHECKS.items():
        started = monotonic()
        try:
            details = check()
            report[name] = {"status": "ok", **details}
        except Exception as error:
            healthy = False
            # The endpoint is public: name the kind of failure, log the details
            # (which can hold host names and users) for the operators.
            logger.warning("Health check %s failed", name, exc_info=True)
            report[name] = {"status": "down", "error": type(error).__name__}
        report[name]["ms"] = round((monotonic() - started) * 1000, 1)
    return JsonResponse(
        {"status": "ok" if healthy else "down", "checks": report}, status=200 if healthy else 503
    )

"""A real Celery worker in a thread of the test process, on a queue and exchange of its own."""

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from civic.celery import app as civic_celery_app


def _drop_cached_broker_state(app: Celery) -> None:
    """Forget the connection pool, queues and control mailbox built from the old configuration.

    The pools themselves live on in kombu's registry, keyed by broker URL, so they are not closed.
    """
    app._pool = None
    for name in ("amqp", "control"):
        app.__dict__.pop(name, None)


@contextmanager
def celery_configured(app: Celery, **changes) -> Iterator[None]:
    """Run with `changes` applied to the Celery app's configuration, restoring it afterwards."""
    saved = {key: app.conf[key] for key in changes}
    app.conf.update(changes)
    _drop_cached_broker_state(app)
    try:
        yield
    finally:
        app.conf.update(saved)
        _drop_cached_broker_state(app)


def _delete_redis_keys(tag: str) -> None:
    """Best effort: remove this run's queue, bindings and reply queues from the shared Redis."""
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)
        keys = list(client.scan_iter(match=f"*{tag}*", count=500))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass


@pytest.fixture
def isolated_celery() -> Iterator[str]:
    """The civic Celery app, not eager, on a task queue and control exchange unique to this test.

    Other test runs share the Redis server: with their own names they neither take
    our messages nor answer our control pings. Yields the queue name.
    """
    tag = f"test-{uuid.uuid4().hex}"
    with celery_configured(
        civic_celery_app,
        task_always_eager=False,
        task_default_queue=tag,
        # The sensors and surveys tasks go to "evidence" in the settings; here to ours.
        task_routes={"sensors.*": {"queue": tag}, "surveys.*": {"queue": tag}},
        control_exchange=tag,
        worker_hijack_root_logger=False,
    ):
        try:
            yield tag
        finally:
            _delete_redis_keys(tag)


@pytest.fixture
def celery_worker(isolated_celery, transactional_db):
    """A running worker of the civic app; it only sees committed rows, hence transactional_db."""
    with start_worker(
        civic_celery_app,
        perform_ping_check=False,
        pool="solo",
        loglevel="WARNING",
        queues=[isolated_celery],
        shutdown_timeout=15.0,
    ) as worker:
        yield worker


def wait_for(condition, seconds: float = 30.0) -> bool:
    """Poll `condition` until it holds (True) or `seconds` pass (False): the worker runs apart."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False

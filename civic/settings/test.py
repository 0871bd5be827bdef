"""Settings for pytest: the same PostGIS and Redis, Celery eager unless a test starts a worker."""

from .base import *  # noqa: F403
from .base import REST_FRAMEWORK

CELERY_TASK_ALWAYS_EAGER = True
# Every ingest queues its own recompute, so tests need not wait for a debounce.
SENSORS_RECOMPUTE_DEBOUNCE_S = 0
PRIORITY_RECOMPUTE_DEBOUNCE_S = 0
CELERY_TASK_EAGER_PROPAGATES = True
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": []}
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,  # noqa: F405
        "KEY_PREFIX": "civic-test",
    }
}
import os  # noqa: E402
import tempfile  # noqa: E402

MEDIA_ROOT = tempfile.mkdtemp(prefix="civic-test-media-")

# Parallel test runs (several checkouts or helpers) each pick their own test database.
DATABASES["default"]["TEST"] = {"NAME": os.environ.get("CIVIC_TEST_DB", "test_civic")}  # noqa: F405
# Test data may be lost on a crash; the cluster itself keeps fsync on for the demo
# that may share it, so only the tests' own sessions skip waiting for the WAL flush.
DATABASES["default"]["OPTIONS"] = {  # noqa: F405
    **DATABASES["default"].get("OPTIONS", {}),  # noqa: F405
    "options": "-c synchronous_commit=off",
}

"""Settings for the freshness bench: the run settings, with timestamped logs the bench can read.

The web server, the Celery worker and bench/freshness.py all use these, with
DATABASE_URL naming the bench's own database and REDIS_URL a Redis database
that no other worker listens on (bench/freshness.sh sets both). Everything
else (the debounce unless BENCH_DEBOUNCE_S says otherwise, the Celery routes
and acks) is as in production.
"""

import os

from civic.settings.local import *  # noqa: F403
from civic.settings.local import REDIS_URL, SENSORS_RECOMPUTE_DEBOUNCE_S

# The production debounce unless the bench is asked to try another (--debounce).
SENSORS_RECOMPUTE_DEBOUNCE_S = float(
    os.environ.get("BENCH_DEBOUNCE_S", SENSORS_RECOMPUTE_DEBOUNCE_S)
)

DEBUG = False  # DEBUG keeps every query in memory
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "civic-bench-fresh",
    }
}
# Seconds since the epoch, so the bench can line the worker's steps up with its
# own clock (same machine).
LOG_FORMAT = "%(created).3f %(process)d %(name)s %(levelname)s %(message)s"
CELERY_WORKER_LOG_FORMAT = LOG_FORMAT
CELERY_WORKER_TASK_LOG_FORMAT = LOG_FORMAT
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"stamped": {"format": LOG_FORMAT}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "stamped"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {
        # the steps of each recompute, and each evidence period
        "sensors.tasks": {"level": "DEBUG"},
        "sensors.evidence": {"level": "DEBUG"},
    },
}

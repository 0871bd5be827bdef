"""Settings for the benchmark: the run settings, with Celery messages kept away from workers.

readings_store queues a recompute task after each commit. The benchmark keeps
that cost in the measurement but sends the messages to a Redis database no
worker listens on (default 13, BENCH_REDIS_DB), so a worker of a running demo
never picks them up; bench/run.py deletes the queue at the end.
"""

import os

from civic.settings.local import *  # noqa: F403
from civic.settings.local import REDIS_URL

BENCH_REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "13"))
_base = REDIS_URL.rsplit("/", 1)[0] if REDIS_URL.count("/") >= 3 else REDIS_URL
CELERY_BROKER_URL = f"{_base}/{BENCH_REDIS_DB}"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CELERY_BROKER_URL,
        "KEY_PREFIX": "civic-bench",
    }
}
DEBUG = False  # DEBUG keeps every query in memory: millions of them here
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

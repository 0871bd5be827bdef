"""Queue a background recompute at most once per short window, called after a commit.

Used by the apps whose writes make evidence stale (sensor readings, survey
answers). A thousand writes in a second need one recompute, not a thousand:
the first queues the task with a countdown of `debounce` seconds and sets a
shared cache key for that long, so other processes skip; the run then sees
every change committed in the window. The database stays the source of
truth: when queueing fails (Redis down) a beat sweep catches up.
"""

from __future__ import annotations

import logging
import math
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)

# Per key: time.monotonic() when this process last queued (or failed to).
_queued_at: dict[str, float] = {}


def queue_debounced(task, *, key: str, debounce: float) -> None:
    """Queue `task` unless a run queued in this window will see these changes too."""
    # This process queued moments ago: skip even the Redis round trip (Django's
    # Redis cache builds a client per call, ~0.8 ms; measured in bench/). Not
    # in the window's last half second, so a run about to start is never relied on.
    last = _queued_at.get(key, -math.inf)
    if debounce and time.monotonic() - last < max(debounce / 2, debounce - 0.5):
        return
    try:
        if not debounce:
            task.delay()
        elif cache.add(key, 1, timeout=debounce):
            task.apply_async(countdown=debounce)
            _queued_at[key] = time.monotonic()
    except Exception:  # the changes are committed; the beat sweep catches up
        # and so does this process: no second attempt (and warning) in this window
        _queued_at[key] = time.monotonic()
        logger.warning("Could not queue %s", getattr(task, "name", task), exc_info=True)

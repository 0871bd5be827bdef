"""API throttles that fail open: a Redis outage must not turn every request into a 500."""

import logging

from redis.exceptions import RedisError
from rest_framework import throttling

logger = logging.getLogger(__name__)


class _FailOpen:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError:
            # Throttling protects against abuse; losing it for a while is better
            # than refusing every resident while the cache is down.
            logger.warning("Throttle cache unavailable; allowing the request", exc_info=True)
            return True


class AnonRateThrottle(_FailOpen, throttling.AnonRateThrottle):
    """Per client address (behind a proxy, set DJANGO_NUM_PROXIES)."""


class UserRateThrottle(_FailOpen, throttling.UserRateThrottle):
    """Per signed-in user."""


class ScopedRateThrottle(_FailOpen, throttling.ScopedRateThrottle):
    """Per view scope, e.g. the token endpoint."""

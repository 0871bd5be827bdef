"""API throttles that count per client (civic.clients.client_ip) and fail open without Redis."""

import logging

from redis.exceptions import RedisError
from rest_framework import throttling
from rest_framework.settings import api_settings

from civic.clients import client_ip

logger = logging.getLogger(__name__)


class _ClientIdentity:
    def get_ident(self, request) -> str:
        # DRF's own get_ident trusts X-Forwarded-For unless NUM_PROXIES is set,
        # so a new header value would be a new client; ours reads it only
        # through the configured proxies.
        return client_ip(request)


class _RateFromSettings:
    def get_rate(self) -> str | None:
        # DRF copies the rates once, at import; reading them at each request
        # lets a settings change (or a test's override) apply.
        try:
            return api_settings.DEFAULT_THROTTLE_RATES[self.scope]
        except KeyError:
            return super().get_rate()


class _FailOpen:
    def allow_request(self, request, view) -> bool:
        try:
            return super().allow_request(request, view)
        except RedisError:
            # Throttling protects against abuse; losing it for a while is better
            # than refusing every resident while the cache is down.
            logger.warning("Throttle cache unavailable; allowing the request", exc_info=True)
            return True


class AnonRateThrottle(_ClientIdentity, _RateFromSettings, _FailOpen, throttling.AnonRateThrottle):
    """Per client address (behind a proxy, set DJANGO_NUM_PROXIES)."""


class UserRateThrottle(_ClientIdentity, _RateFromSettings, _FailOpen, throttling.UserRateThrottle):
    """Per signed-in user (per client address for anonymous requests)."""


class ScopedRateThrottle(
    _ClientIdentity, _RateFromSettings, _FailOpen, throttling.ScopedRateThrottle
):
    """Per view scope and user or client address, e.g. the token endpoint."""

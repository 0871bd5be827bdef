"""The one client identity: the address a request comes from, for throttles, lockout, hashes."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest
from rest_framework.request import Request

# An IPv6 customer gets a whole /64 network; counting single addresses would let
# one client rotate through 2^64 identities (allauth truncates the same way).
IPV6_PREFIX = 64


def client_ip(request: HttpRequest | Request) -> str:
    """The client's address: REMOTE_ADDR, or X-Forwarded-For only through trusted proxies.

    With ``CIVIC_NUM_PROXIES`` = N > 0 (env ``DJANGO_NUM_PROXIES``) the Nth
    address from the right of X-Forwarded-For is taken: each of our N proxies
    appends the address it received the request from, so everything left of
    that was written by the client and is ignored. With N = 0 (the default)
    the header is never read. A header shorter than N, or an entry that is
    not an address, means the request did not pass through our proxies as
    configured: the peer address (REMOTE_ADDR) is used then, which a client
    cannot choose. IPv6 addresses are reduced to their /64 network. Empty
    only when the server gives no peer address at all.
    """
    remote = _normalised(request.META.get("REMOTE_ADDR", "")) or ""
    proxies = settings.CIVIC_NUM_PROXIES
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) < proxies:
        return remote
    return _normalised(forwarded[-proxies]) or remote


def _normalised(text: str) -> str | None:
    text = text.strip()
    # Some proxies write the client's port too ("203.0.113.9:51234",
    # "[2001:db8::1]:443"); without it every client would fall back to the proxy.
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        network = ipaddress.IPv6Network(f"{address}/{IPV6_PREFIX}", strict=False)
        return str(network.network_address)
    return str(address)

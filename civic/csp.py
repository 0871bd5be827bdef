"""The Content-Security-Policy of every page: scripts and styles only from our own files."""

from urllib.parse import urlsplit

from csp.constants import NONE, SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpRequest, HttpResponseBase


def tile_source(tiles_url: str) -> str | None:
    """The origin a Leaflet tile URL template loads from, as a CSP source (None if unset).

    A `{s}` (or any other placeholder) in the host name becomes a wildcard
    label: https://{s}.tile.example.org/{z}/{x}/{y}.png → https://*.tile.example.org;
    a host that is all placeholder gets nothing (tiles then stay blocked).
    """
    parts = urlsplit((tiles_url or "").strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    host = parts.netloc.rsplit("@", 1)[-1]  # never a user name or password in the policy
    labels = host.split(".")
    templated = [i for i, label in enumerate(labels) if "{" in label]
    if templated:
        # CSP allows a wildcard only as the leftmost label.
        rest = labels[templated[-1] + 1 :]
        if len(rest) < 2:
            return None
        host = "*." + ".".join(rest)
    return f"{parts.scheme}://{host}"


def content_security_policy(*, tiles_url: str = "") -> dict:
    """django-csp 4 settings: no inline script or style, nothing from elsewhere but tiles.

    `data:` images are Leaflet's and Swagger UI's own icons (in their CSS).
    Styles that scripts set (Leaflet positions its panes through element.style)
    are not governed by CSP; style attributes in markup are, and we have none.
    """
    images = [SELF, "data:"]
    tiles = tile_source(tiles_url)
    if tiles:
        images.append(tiles)
    return {
        "DIRECTIVES": {
            "default-src": [SELF],
            "script-src": [SELF],
            "style-src": [SELF],
            "img-src": images,
            "font-src": [SELF],
            "connect-src": [SELF],
            "object-src": [NONE],
            "base-uri": [SELF],
            "frame-ancestors": [NONE],
            "form-action": [SELF],
        }
    }


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware; DRF's browsable API pages may also carry style attributes.

    DRF's own templates place buttons with style="float: right" (and a few
    more). Allowing style attributes there, and only there, keeps those pages
    usable; scripts stay restricted to our files everywhere.
    """

    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        if _is_browsable_api(response):
            parts.update = {**(parts.update or {}), "style-src-attr": [UNSAFE_INLINE]}
        return parts


def _is_browsable_api(response: HttpResponseBase) -> bool:
    from rest_framework.renderers import BrowsableAPIRenderer

    return isinstance(getattr(response, "accepted_renderer", None), BrowsableAPIRenderer)

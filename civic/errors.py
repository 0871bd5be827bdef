"""Error answers that Django gives outside the API views: JSON under /api/, pages elsewhere.

A client of the API reads JSON whatever went wrong, also when the URL
resolver (an id that is not a number) or the request middleware
(civic.middleware) answers before any API view runs.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

# Everything under this prefix is the REST API (civic.urls).
API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler404: {"detail": "Not found."} under /api/, the site's 404 page elsewhere."""
    if is_api_request(request):
        return JsonResponse({"detail": _("Not found.")}, status=404)
    return defaults.page_not_found(request, exception or Http404())


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """handler400: {"detail": "Bad request."} under /api/, the site's 400 page elsewhere."""
    if is_api_request(request):
        return JsonResponse({"detail": _("Bad request.")}, status=400)
    return defaults.bad_request(request, exception)


def bad_input(request: HttpRequest, errors: dict[str, object]) -> HttpResponse:
    """400 naming what is wrong: JSON by name under /api/, the site's 400 page elsewhere."""
    if is_api_request(request):
        return JsonResponse(errors, status=400)
    return defaults.bad_request(request, None)

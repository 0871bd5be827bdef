"""Request middleware of the core: refuse URLs holding characters no resource or filter takes."""

from __future__ import annotations

from collections.abc import Callable

from django.core.validators import ProhibitNullCharactersValidator
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from civic import errors
from civic.input_checks import URL_REFUSED


def _shown(name: str) -> str:
    # A name holding the refused character is echoed with it replaced.
    return URL_REFUSED.sub("\N{REPLACEMENT CHARACTER}", name)


def _message(name: str, values: list[str]) -> str:
    if any("\x00" in text for text in (name, *values)):
        # The words Django's forms (and so django-filter) use for the same thing.
        return ProhibitNullCharactersValidator.message
    return _("Control characters are not accepted in a parameter.")


class RefuseControlCharactersMiddleware:
    """A path with NUL or another control character is a 404; a query string or cookie, a 400.

    No URL of the service holds a control character, and no parameter or
    cookie value takes one. PostgreSQL cannot store NUL at all, so before
    this a NUL in a slug, a filter or the admin's search reached a query and
    answered 500. Tab, line feed and carriage return pass (civic.input_checks).
    Decoded text holds no lone surrogates: Django replaces undecodable bytes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if URL_REFUSED.search(request.path_info):
            return errors.not_found(request)
        for name, values in request.GET.lists():
            if URL_REFUSED.search(name) or any(URL_REFUSED.search(value) for value in values):
                return errors.bad_input(request, {_shown(name): [str(_message(name, values))]})
        for name, value in request.COOKIES.items():
            if URL_REFUSED.search(name) or URL_REFUSED.search(value):
                message = _("Cookie “%(name)s” holds a control character such as NUL.") % {
                    "name": _shown(name)
                }
                return errors.bad_input(request, {"detail": message})
        return self.get_response(request)

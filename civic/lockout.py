"""Glue for django-axes: one lock per account whatever login name is typed, and the 429 answers."""

from __future__ import annotations

import math

from allauth.account.models import EmailAddress
from axes.helpers import get_cool_off
from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from rest_framework.request import Request

from civic.clients import client_ip

# Axes keeps the login name in a CharField of this length.
_MAX_KEY = 255
# The keys under which Django, allauth and DRF hand the typed login to authenticate().
_CREDENTIAL_KEYS = ("username", "email", "login")


def login_identity(request: HttpRequest | Request | None, credentials: dict | None) -> str | None:
    """The account a login attempt is for, so every login name of it counts against one lock.

    The typed text is resolved as the login forms do (e-mail address or user
    name, in any case) to the account's user name; text that names no account
    is kept, trimmed and case-folded, so guessing at an unknown name is limited
    the same way and the lock does not tell whether an account exists.
    """
    typed = _typed_login(request, credentials)
    if typed is None:
        return None
    text = typed.replace("\x00", "").strip()
    user = _account_for(text)
    key = user.get_username() if user is not None else text.casefold()
    return key[:_MAX_KEY]


def _typed_login(request, credentials: dict | None) -> str | None:
    source = credentials if credentials else _posted(request)
    for name in _CREDENTIAL_KEYS:
        value = source.get(name)
        if isinstance(value, str) and value.strip():
            return value
    return None


def _posted(request) -> dict:
    if request is None:
        return {}
    data = getattr(request, "data", None)  # DRF parses JSON bodies into .data
    if data is None:
        data = request.POST
    return data if hasattr(data, "get") else {}


def _account_for(text: str):
    """The one account whose e-mail address or user name is `text` (any case), else None."""
    if not text:
        return None
    users = get_user_model()._default_manager
    if "@" in text:
        ids = set(users.filter(email__iexact=text).values_list("pk", flat=True))
        ids |= set(EmailAddress.objects.filter(email__iexact=text).values_list("user", flat=True))
        if len(ids) == 1:
            return users.get(pk=ids.pop())
    exact = users.filter(username=text).first()
    if exact is not None:
        return exact
    matches = list(users.filter(username__iexact=text)[:2])
    return matches[0] if len(matches) == 1 else None


def axes_client_ip(request: HttpRequest | Request) -> str | None:
    """The client address for axes (None rather than "" so its address column stays valid)."""
    return client_ip(request) or None


def retry_after_seconds(request: HttpRequest | Request | None = None) -> int:
    """Seconds until a lock lifts at the latest: one cool-off after the last counted failure."""
    cool_off = get_cool_off(request)
    return max(1, math.ceil(cool_off.total_seconds())) if cool_off else 0


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The page shown instead of the login form while the account or the client is locked."""
    seconds = retry_after_seconds(request)
    response = render(
        request,
        "civic/lockout.html",
        {"minutes": max(1, math.ceil(seconds / 60))},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response

"""Checks on untrusted input that every entry point shares: unstorable text and JSON nesting.

PostgreSQL cannot store NUL in text (nor in jsonb), and a lone UTF-16
surrogate (JSON's "\\ud800") cannot be encoded for it at all: either one
reaching a query is a server error. Deeply nested JSON exhausts Python's
recursion limit while it is parsed or walked. So both are refused where the
input enters: the request middleware (paths, query strings, cookies), the
API's parsers (JSON, form and multipart bodies) and the GeoJSON fields that
take JSON text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.utils.translation import gettext

# NUL and lone surrogates: text that PostgreSQL cannot store.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Lone surrogates alone: no field can even encode them, so they are refused on
# reading. A NUL in a value is left to the field, which names it in its own words.
SURROGATE = re.compile("[\ud800-\udfff]")
# In a URL (path, query string, cookie) no value of ours holds a control
# character; tab, line feed and carriage return are let through because a
# pasted search text may hold them and they are harmless.
URL_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


class UnreadableJSON(ValueError):
    """JSON text that cannot be read or is refused; the message says why."""

    def __init__(self, message: str, *, where: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.where = where


class RefusedJSON(UnreadableJSON):
    """Well-formed JSON that is refused: nested too deeply, or holding unstorable text."""


def json_max_depth() -> int:
    """How deeply JSON may nest (objects and arrays); setting CIVIC_JSON_MAX_DEPTH."""
    return int(getattr(settings, "CIVIC_JSON_MAX_DEPTH", 64))


def _strict_constant(name: str) -> None:
    # NaN and Infinity are not JSON (RFC 8259); Python's parser takes them by default.
    raise ValueError(f"{name} is not a JSON value")


def json_loads(text: str, *, max_depth: int | None = None) -> Any:
    """Parse JSON text from a client, refusing what the service cannot process.

    Raises UnreadableJSON when the text is not JSON, nests deeper than
    max_depth (default: the setting), holds a lone surrogate in a string, or
    NUL or a lone surrogate in a key (`where` then names the place as a list
    of keys, e.g. ["answers", "12"]).
    """
    limit = json_max_depth() if max_depth is None else max_depth
    try:
        data = json.loads(text, parse_constant=_strict_constant)
    except RecursionError:
        # The parser recursed past Python's limit: far deeper than any limit of ours.
        raise RefusedJSON(too_deep_message(limit)) from None
    except ValueError as error:
        raise UnreadableJSON(f"JSON parse error - {error}") from None
    # Scanning the text first keeps the walk for the rare body that needs it:
    # NUL and surrogates can only arrive as \\u escapes.
    check_text = "\\u" in text
    problem = _first_problem(data, limit, check_text)
    if problem is not None:
        raise problem
    return data


def too_deep_message(limit: int) -> str:
    return gettext("JSON nested deeper than %(limit)d levels is not accepted.") % {"limit": limit}


def unstorable_message() -> str:
    return gettext(
        "Text with a NUL character (U+0000) or a lone surrogate (U+D800-U+DFFF) is not accepted."
    )


def _first_problem(data: Any, limit: int, check_text: bool) -> RefusedJSON | None:
    """The first container nested past `limit`, or (with check_text) refused text."""
    # An explicit stack: the point is not to recurse on a client's nesting.
    stack: list[tuple[Any, int, tuple]] = [(data, 1, ())]
    while stack:
        value, depth, path = stack.pop()
        if isinstance(value, dict):
            if depth > limit:
                return RefusedJSON(too_deep_message(limit))
            for key, item in value.items():
                if check_text and UNSTORABLE.search(key):
                    return RefusedJSON(unstorable_message(), where=_shown((*path, key)))
                if isinstance(item, dict | list) or (check_text and isinstance(item, str)):
                    stack.append((item, depth + 1, (*path, key)))
        elif isinstance(value, list):
            if depth > limit:
                return RefusedJSON(too_deep_message(limit))
            for index, item in enumerate(value):
                if isinstance(item, dict | list) or (check_text and isinstance(item, str)):
                    stack.append((item, depth + 1, (*path, index)))
        elif isinstance(value, str) and SURROGATE.search(value):
            return RefusedJSON(unstorable_message(), where=_shown(path))
    return None


def _shown(path: Iterable[Any]) -> tuple[str, ...]:
    # A key that is itself unstorable cannot be echoed back in the answer.
    return tuple(UNSTORABLE.sub("\N{REPLACEMENT CHARACTER}", str(part)) for part in path)

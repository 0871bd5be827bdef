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
from collections.abc import Iterable, Iterator
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
    return settings.CIVIC_JSON_MAX_DEPTH


def json_max_bytes() -> int:
    """How large a JSON body may be; setting CIVIC_JSON_MAX_BYTES."""
    return settings.CIVIC_JSON_MAX_BYTES


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


_END = object()


def _first_problem(data: Any, limit: int, check_text: bool) -> RefusedJSON | None:
    """The first container nested past `limit`, or (with check_text) refused text."""
    # Depth first with a stack of iterators, not of values: memory grows with the
    # nesting (at most `limit`), never with the width of a body, and nothing
    # recurses on a client's nesting. Each level keeps a link to its parent's
    # place (parent, key); the path is spelled out only for a refused place.
    if isinstance(data, str):
        return RefusedJSON(unstorable_message()) if SURROGATE.search(data) else None
    if not isinstance(data, dict | list):
        return None
    if limit < 1:
        return RefusedJSON(too_deep_message(limit))
    stack: list[tuple[Iterator, bool, int, tuple | None]] = [
        (_entries(data), isinstance(data, dict), 1, None)
    ]
    while stack:
        entries, keyed, depth, place = stack[-1]
        entry = next(entries, _END)
        if entry is _END:
            stack.pop()
            continue
        key, item = entry
        if keyed and check_text and UNSTORABLE.search(key):
            return RefusedJSON(unstorable_message(), where=_shown(_path(place, key)))
        if isinstance(item, dict | list):
            if depth + 1 > limit:
                return RefusedJSON(too_deep_message(limit))
            stack.append((_entries(item), isinstance(item, dict), depth + 1, (place, key)))
        elif check_text and isinstance(item, str) and SURROGATE.search(item):
            return RefusedJSON(unstorable_message(), where=_shown(_path(place, key)))
    return None


def _entries(container: dict | list) -> Iterator[tuple[Any, Any]]:
    return iter(container.items()) if isinstance(container, dict) else enumerate(container)


def _path(place: tuple | None, *last: Any) -> list[Any]:
    """The keys from the top of the body down to `place` (a chain of (parent, key) links)."""
    keys: list[Any] = list(reversed(last))
    while place is not None:
        place, key = place
        keys.append(key)
    return keys[::-1]


def _shown(path: Iterable[Any]) -> tuple[str, ...]:
    # A key that is itself unstorable cannot be echoed back in the answer.
    return tuple(UNSTORABLE.sub("\N{REPLACEMENT CHARACTER}", str(part)) for part in path)

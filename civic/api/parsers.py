"""Request parsers of the API: DRF's, refusing what the service cannot process with a 400.

Every API view parses through these (REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"],
and the views that name their parsers name these): JSON nested deeper than
CIVIC_JSON_MAX_DEPTH, a lone surrogate in any text, and NUL in a key or field
name (see civic.input_checks) are a 400 that says so, instead of a
RecursionError or a database error. A NUL in a value is the field's to refuse,
naming itself (DRF's CharField and the core's relation fields do).
"""

from __future__ import annotations

from django.http import QueryDict
from django.utils.translation import gettext as _
from rest_framework import parsers
from rest_framework.exceptions import APIException, ParseError, ValidationError

from civic.input_checks import (
    SURROGATE,
    UNSTORABLE,
    UnreadableJSON,
    json_loads,
    json_max_bytes,
    unstorable_message,
)


class BodyTooLarge(APIException):
    """413: a JSON body larger than CIVIC_JSON_MAX_BYTES."""

    status_code = 413
    default_code = "body_too_large"

    def __init__(self, limit: int) -> None:
        super().__init__(_("A JSON body may be at most %(kib)d KiB.") % {"kib": limit // 1024})


class JSONParser(parsers.JSONParser):
    """JSON with bounded nesting and encodable text; NaN and Infinity are refused as DRF does."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = parsers.get_encoding(parser_context or {})
        # DRF reads the body as a stream, past Django's DATA_UPLOAD_MAX_MEMORY_SIZE
        # (which guards only request.body and forms): bound it here, before parsing.
        limit = json_max_bytes()
        raw = stream.read(limit + 1)
        if len(raw) > limit:
            raise BodyTooLarge(limit)
        try:
            text = raw.decode(encoding)
        except UnicodeDecodeError as error:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": error}) from None
        try:
            return json_loads(text)
        except UnreadableJSON as error:
            if error.where:
                raise ValidationError(_nested(error.where, [str(error)])) from None
            raise ParseError(str(error)) from None


def _nested(where: tuple[str, ...], messages: list[str]) -> dict:
    """{"answers": {"12": [...]}} for ("answers", "12"): DRF's shape for nested errors."""
    errors: dict | list = messages
    for key in reversed(where):
        errors = {key: errors}
    return errors


def _check_form(data: QueryDict, files=None) -> None:
    """400 naming the first form field whose name cannot be stored (or value never could)."""
    for name, values in data.lists():
        if UNSTORABLE.search(name) or any(SURROGATE.search(value) for value in values):
            where = UNSTORABLE.sub("\N{REPLACEMENT CHARACTER}", name)
            raise ValidationError({where: [unstorable_message()]})
    for name, upload in (files or {}).items():
        if UNSTORABLE.search(name) or UNSTORABLE.search(upload.name or ""):
            where = UNSTORABLE.sub("\N{REPLACEMENT CHARACTER}", name)
            raise ValidationError({where: [unstorable_message()]})


class FormParser(parsers.FormParser):
    """URL-encoded forms whose field names and values can be stored or encoded."""

    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_form(data)
        return data


class MultiPartParser(parsers.MultiPartParser):
    """Multipart forms whose field names, values and file names can be stored or encoded."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _check_form(parsed.data, parsed.files)
        return parsed

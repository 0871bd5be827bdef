"""Pagination of the API: a page size that is not a whole number in range is a 400 naming it."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError

WHOLE_NUMBER = re.compile(r"[0-9]+")


class StrictPageSizeMixin:
    """For a page-number paginator: page_size from 1 to max_page_size, or a 400.

    DRF falls back to the default size for page_size=abc and silently caps a
    size above the maximum; a client then pages wrongly without knowing why.
    """

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        size = int(raw) if WHOLE_NUMBER.fullmatch(raw) else 0
        if not 1 <= size <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("Give a whole number from 1 to %(maximum)d.")
                        % {"maximum": self.max_page_size}
                    ]
                }
            )
        return size

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters

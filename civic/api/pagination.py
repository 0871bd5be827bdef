"""Pagination of the API: a page size out of range or an empty page is a 400 naming it."""

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

    def get_page_number(self, request, paginator):
        # DRF reads an empty ?page= as page 1; the schema says a page is a number from 1,
        # so a client that sends an empty one has a bug it should hear about.
        if request.query_params.get(self.page_query_param) == "":
            raise ValidationError({self.page_query_param: [_("Give a page number from 1.")]})
        return super().get_page_number(request, paginator)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
            elif parameter["name"] == self.page_query_param:
                parameter["schema"].update(minimum=1)
        return parameters

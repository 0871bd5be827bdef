"""Input fields stricter than DRF's where the schema promises a type."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class TextField(serializers.CharField):
    """Text only: DRF's CharField turns a number into text, which the schema does not allow."""

    default_error_messages = {"invalid": _("Give text here.")}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)

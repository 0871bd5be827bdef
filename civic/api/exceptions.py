"""Turn service-layer errors into clear API answers naming the field."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from civic.workflow import TransitionNotAllowed


def exception_handler(exc, context):
    """Services raise Django's ValidationError / PermissionDenied; answer 400 / 403."""
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
        response = drf_exception_handler(exceptions.ValidationError(detail), context)
        if isinstance(exc, TransitionNotAllowed) and response is not None:
            response.data["allowed"] = exc.allowed
        return response
    if isinstance(exc, DjangoPermissionDenied):
        return drf_exception_handler(exceptions.PermissionDenied(str(exc) or None), context)
    return drf_exception_handler(exc, context)

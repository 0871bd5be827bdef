"""Sign-up glue: everyone who signs up on the site is a resident."""

from allauth.account.adapter import DefaultAccountAdapter
from django.http import HttpRequest
from django.utils.translation import get_language

from civic.clients import client_ip
from civic.roles import RESIDENT, user_assign_role


class ResidentAccountAdapter(DefaultAccountAdapter):
    """Gives new sign-ups the resident role and remembers their language."""

    def save_user(self, request, user, form, commit=True):
        user = super().save_user(request, user, form, commit=False)
        user.language = (get_language() or "nl")[:2]
        if commit:
            user.save()
            user_assign_role(user, RESIDENT)
        return user

    def get_client_ip(self, request: HttpRequest) -> str:
        # allauth's rate limits (sign-up, password reset) count the same client
        # as our throttles and the lockout do.
        return client_ip(request) or super().get_client_ip(request)

"""Sign-up glue: sign-ups become residents, and sign-up never tells who else has an account."""

from __future__ import annotations

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.forms import SignupForm
from allauth.account.models import EmailAddress
from allauth.account.utils import complete_signup, get_next_redirect_url, perform_login
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.http import HttpRequest, HttpResponse
from django.utils.translation import get_language

from civic.clients import client_ip
from civic.roles import RESIDENT, user_assign_role

# A sign-up is confirmed by the e-mail link before the first login, whatever
# ACCOUNT_EMAIL_VERIFICATION says for later logins: only then does a taken
# address get the very same answer as a new one.
_CONFIRM_FIRST = account_settings.EmailVerificationMethod.MANDATORY


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


def email_registered(email: str) -> bool:
    """Whether an account already uses this e-mail address (any case)."""
    return (
        get_user_model()._default_manager.filter(email__iexact=email).exists()
        or EmailAddress.objects.filter(email__iexact=email).exists()
    )


class ResidentSignupForm(SignupForm):
    """Sign-up that answers a registered e-mail address exactly as it answers a new one.

    Both get "we sent you an e-mail": a new resident a confirmation link (which
    logs them in), the owner of the address a note that they already have an
    account, with the password-reset link. allauth does this by itself only
    when ACCOUNT_EMAIL_VERIFICATION is "mandatory" (production); with
    "optional" (local runs, tests) it would say the address is taken.
    """

    def validate_unique_email(self, value: str) -> str:
        if email_registered(value):
            self.account_already_exists = True
            return value
        return super().validate_unique_email(value)

    def try_save(self, request: HttpRequest) -> tuple[object | None, HttpResponse]:
        if self.account_already_exists:
            # Hash the password anyway, so the answer takes as long as a real sign-up.
            make_password(self.cleaned_data.get("password1"))
            response = perform_login(
                request,
                None,
                email_verification=_CONFIRM_FIRST,
                signup=True,
                email=self.cleaned_data["email"],
            )
            return None, response
        user = self.save(request)
        response = complete_signup(request, user, _CONFIRM_FIRST, get_next_redirect_url(request))
        return user, response

"""Routes of the core API under /api/v1/."""

import math

from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework import exceptions
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter
from rest_framework.settings import api_settings

from civic.api import views
from civic.api.notification_preferences import NotificationPreferencesView
from civic.api.periods import PeriodViewSet
from civic.api.throttling import ScopedRateThrottle
from civic.lockout import retry_after_seconds


class LockedOut(exceptions.Throttled):
    """429: too many failed logins for this account or from this client (django-axes)."""

    default_detail = _(
        "Too many failed login attempts for this account or from this address; "
        "logging in is paused."
    )
    default_code = "locked_out"

    def __init__(self, wait: int) -> None:
        # DRF formats its "Expected available in …" before translating it, so
        # it stays English on a Dutch answer: the whole sentence is ours.
        minutes = max(1, math.ceil(wait / 60))
        retry = ngettext(
            "Try again in %(minutes)d minute.", "Try again in %(minutes)d minutes.", minutes
        ) % {"minutes": minutes}
        super().__init__(detail=f"{self.default_detail} {retry}")
        # Retry-After carries the exact seconds (DRF's handler reads .wait).
        self.wait = wait


class TokenView(ObtainAuthToken):
    """POST username and password, get a token for `Authorization: Token …`."""

    # A speed limit per client on top of the lockout: it also counts requests
    # that never reach a password check, and successful ones.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    # ObtainAuthToken names DRF's own parsers: take the project's (civic.api.parsers).
    parser_classes = api_settings.DEFAULT_PARSER_CLASSES

    def post(self, request, *args, **kwargs):
        try:
            return super().post(request, *args, **kwargs)
        except exceptions.ValidationError:
            # django-axes refused the login, or the failure just now was one too
            # many: say so, rather than "wrong password", with when to retry.
            if getattr(request, "axes_locked_out", False):
                raise LockedOut(wait=retry_after_seconds(request)) from None
            raise


router = DefaultRouter()
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("areas", views.AreaViewSet, basename="area")
router.register("concerns", views.ConcernViewSet, basename="concern")
router.register("challenges", views.ChallengeViewSet, basename="challenge")
router.register("periods", PeriodViewSet, basename="period")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
    path(
        "me/notification-preferences/",
        NotificationPreferencesView.as_view(),
        name="api-notification-preferences",
    ),
]

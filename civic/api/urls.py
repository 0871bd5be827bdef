"""Routes of the core API under /api/v1/."""

from django.urls import include, path
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.routers import DefaultRouter

from civic.api import views
from civic.api.parsers import FormParser, JSONParser, MultiPartParser
from civic.api.throttling import ScopedRateThrottle


class TokenView(ObtainAuthToken):
    """POST username and password, get a token for `Authorization: Token …`."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "token"
    parser_classes = [JSONParser, FormParser, MultiPartParser]


router = DefaultRouter()
router.register("themes", views.ThemeViewSet, basename="theme")
router.register("areas", views.AreaViewSet, basename="area")
router.register("concerns", views.ConcernViewSet, basename="concern")
router.register("challenges", views.ChallengeViewSet, basename="challenge")

urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("", include(router.urls)),
]

"""Routes of the interventions API under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from interventions.api import views

# SimpleRouter: the API root view belongs to the core's router.
router = SimpleRouter()
router.register("interventions", views.InterventionViewSet, basename="intervention")
router.register(
    "intervention-comments", views.InterventionCommentViewSet, basename="intervention-comment"
)
router.register(
    "intervention-moderation", views.ModerationQueueViewSet, basename="intervention-moderation"
)

urlpatterns = [path("", include(router.urls))]

"""Routes of the interventions API under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from interventions.api import followup, views

# SimpleRouter: the API root view belongs to the core's router.
router = SimpleRouter()
router.register("interventions", views.InterventionViewSet, basename="intervention")
router.register(
    "intervention-comments", views.InterventionCommentViewSet, basename="intervention-comment"
)
router.register(
    "intervention-moderation", views.ModerationQueueViewSet, basename="intervention-moderation"
)

urlpatterns = [
    path(
        "interventions/<int:pk>/followup/",
        followup.InterventionFollowUpView.as_view(),
        name="intervention-followup",
    ),
    path(
        "followup-answers/",
        followup.FollowUpTokenAnswerView.as_view(),
        name="followup-answer",
    ),
    path("", include(router.urls)),
]

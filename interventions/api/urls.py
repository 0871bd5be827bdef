"""Routes of the interventions API under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from interventions.api import followup, open_data, views

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
    # The files of /open-data/, for clients that work from the OpenAPI schema.
    path(
        "open-data/interventions.csv",
        open_data.InterventionsCSVView.as_view(),
        name="api-open-data-interventions-csv",
    ),
    path(
        "open-data/interventions.geojson",
        open_data.InterventionsGeoJSONView.as_view(),
        name="api-open-data-interventions-geojson",
    ),
    path(
        "open-data/evaluations.csv",
        open_data.EvaluationsCSVView.as_view(),
        name="api-open-data-evaluations-csv",
    ),
]

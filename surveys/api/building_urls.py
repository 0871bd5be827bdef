"""API of surveys (building_urls); included by surveys.api.urls."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from surveys.api import building

# SimpleRouter: the API root view belongs to the core's router.
router = SimpleRouter()
router.register("surveys", building.SurveyViewSet, basename="survey")

urlpatterns = [
    path(
        "surveys/<int:pk>/invitations.csv",
        building.InvitationsCsvView.as_view(),
        name="survey-invitations-csv",
    ),
    path("", include(router.urls)),
]

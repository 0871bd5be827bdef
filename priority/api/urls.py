"""Routes of the priority API under /api/v1/priority/."""

from django.urls import path

from priority.api import views

urlpatterns = [
    path("priority/scores/", views.ScoresView.as_view(), name="priority-scores"),
    path("priority/weights/", views.WeightsView.as_view(), name="priority-weights"),
    path("priority/overrides/", views.OverridesView.as_view(), name="priority-overrides"),
    path(
        "priority/council-themes/",
        views.CouncilThemesView.as_view(),
        name="priority-council-themes",
    ),
]

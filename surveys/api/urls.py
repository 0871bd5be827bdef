"""API of surveys under /api/v1/: building and answering (surveys.api.views), results
(surveys.api.results_urls)."""

from django.urls import include, path

urlpatterns = [
    path("", include("surveys.api.results_urls")),
]

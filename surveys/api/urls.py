"""API of surveys under /api/v1/, one module per part: building (surveys.api.building_urls),
answering (surveys.api.answering_urls) and results (surveys.api.results_urls)."""

from django.urls import include, path

urlpatterns = [
    path("", include("surveys.api.building_urls")),
    path("", include("surveys.api.answering_urls")),
    path("", include("surveys.api.results_urls")),
]

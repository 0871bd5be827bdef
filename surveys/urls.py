"""Pages of surveys, one module per part: answering (surveys.answer_urls), building
(surveys.builder_urls) and results (surveys.results_urls)."""

from django.urls import include, path

app_name = "surveys"
urlpatterns = [
    path("", include("surveys.answer_urls")),
    path("", include("surveys.builder_urls")),
    path("", include("surveys.results_urls")),
]

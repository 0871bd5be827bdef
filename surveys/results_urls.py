"""Pages of survey results (charts, map, exports); included by surveys.urls."""

from django.urls import path

from surveys import results_views

urlpatterns = [
    path("<int:pk>/results/", results_views.results, name="results"),
    path("<int:pk>/results.csv", results_views.results_csv, name="results_csv"),
    path("<int:pk>/answers.geojson", results_views.answers_geojson, name="answers_geojson"),
]

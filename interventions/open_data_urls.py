"""Open-data files of interventions, under /open-data/ (listed on the core's open-data page)."""

from django.urls import path

from interventions import views

app_name = "interventions_open_data"
urlpatterns = [
    path("interventions.csv", views.interventions_csv, name="interventions_csv"),
    path("interventions.geojson", views.interventions_geojson, name="interventions_geojson"),
    path("evaluations.csv", views.evaluations_csv, name="evaluations_csv"),
]

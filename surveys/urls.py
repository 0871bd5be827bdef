"""Pages of surveys: the index and answering (surveys.views), building (surveys.builder_views),
results (surveys.results_urls)."""

from django.urls import include, path

from surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.index, name="index"),
    path("", include("surveys.results_urls")),
]

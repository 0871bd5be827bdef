"""Pages of priority."""

from django.urls import path

from priority import views

app_name = "priority"
urlpatterns = [
    path("", views.ranking, name="ranking"),
    path("weights/", views.weights, name="weights"),
    path("council-themes/", views.council_themes, name="council_themes"),
    path("overrides/<int:pk>/", views.override, name="override"),
]

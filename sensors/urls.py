"""Pages of sensors."""

from django.urls import path

from sensors import views

app_name = "sensors"
urlpatterns = [path("", views.index, name="index")]

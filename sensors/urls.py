"""Pages of sensors."""

from django.urls import path

from sensors import views
from sensors.upload_views import upload as upload_view

app_name = "sensors"
urlpatterns = [path("", views.index, name="index")]
urlpatterns += [path("upload/", upload_view, name="upload")]

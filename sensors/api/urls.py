"""Routes of the sensors API under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from sensors.api import views

# SimpleRouter: the API root view belongs to the core's router.
router = SimpleRouter()
router.register("sensors", views.SensorViewSet, basename="sensor")

urlpatterns = [
    path("readings/", views.ReadingsIngestView.as_view(), name="readings-ingest"),
    path("", include(router.urls)),
]

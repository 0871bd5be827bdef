"""Routes of the sensors API under /api/v1/."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from sensors.api import views, webhooks

# SimpleRouter: the API root view belongs to the core's router.
router = SimpleRouter()
router.register("sensors", views.SensorViewSet, basename="sensor")

urlpatterns = [
    path("readings/", views.ReadingsIngestView.as_view(), name="readings-ingest"),
    path("ingest/ttn/", webhooks.TTNUplinkView.as_view(), name="ingest-ttn"),
    path(
        "ingest/sensor-community/",
        webhooks.SensorCommunityView.as_view(),
        name="ingest-sensor-community",
    ),
    path(
        "sensor-registrations/",
        views.SensorRegistrationsView.as_view(),
        name="sensor-registrations",
    ),
    path(
        "sensor-registrations/<int:pk>/tokens/",
        views.SensorRegistrationTokensView.as_view(),
        name="sensor-registration-tokens",
    ),
    path("", include(router.urls)),
]

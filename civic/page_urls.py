"""Pages of the civic core."""

from django.urls import path

from civic import personal_views, views
from civic.api.views import ConcernPhotoView

app_name = "civic"
urlpatterns = [
    path("", views.public_map, name="map"),
    path("concerns/new/", views.concern_new, name="concern_new"),
    path("concerns/mine/", views.concern_mine, name="concern_mine"),
    # A DRF view: the API's photo_url points here, for token and session alike.
    path("concerns/<int:pk>/photo/", ConcernPhotoView.as_view(), name="concern_photo"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/<int:pk>/", views.moderation_decide, name="moderation_decide"),
    path("start/", personal_views.start, name="start"),
    path("notifications/", personal_views.notifications, name="notifications"),
    path(
        "notifications/preferences/",
        personal_views.notification_preferences,
        name="notification_preferences",
    ),
]

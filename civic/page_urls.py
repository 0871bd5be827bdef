"""Pages of the civic core."""

from django.urls import path

from civic import challenge_views, personal_views, views
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
    path("challenges/", challenge_views.challenge_list, name="challenge_list"),
    path("challenges/new/", challenge_views.challenge_new, name="challenge_new"),
    path("challenges/<int:pk>/", challenge_views.challenge_detail, name="challenge_detail"),
    path(
        "challenges/<int:pk>/timeline/",
        challenge_views.challenge_timeline,
        name="challenge_timeline",
    ),
    path("challenges/<int:pk>/edit/", challenge_views.challenge_edit, name="challenge_edit"),
    path(
        "challenges/<int:pk>/step/",
        challenge_views.challenge_transition,
        name="challenge_transition",
    ),
    path(
        "challenges/<int:pk>/unlink/<int:concern_pk>/",
        challenge_views.challenge_unlink,
        name="challenge_unlink",
    ),
    path("open-data/", views.open_data, name="open_data"),
    path("grouping/", challenge_views.grouping_page, name="grouping"),
]

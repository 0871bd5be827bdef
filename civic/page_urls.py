"""Pages of the civic core."""

from django.urls import path

from civic import views

app_name = "civic"
urlpatterns = [
    path("", views.public_map, name="map"),
    path("concerns/new/", views.concern_new, name="concern_new"),
    path("concerns/mine/", views.concern_mine, name="concern_mine"),
    path("concerns/<int:pk>/photo/", views.concern_photo, name="concern_photo"),
    path("moderation/", views.moderation_queue, name="moderation"),
    path("moderation/<int:pk>/", views.moderation_decide, name="moderation_decide"),
]

"""Pages of sensors."""

from django.urls import path

from sensors import registration_views, views
from sensors.upload_views import upload as upload_view

app_name = "sensors"
urlpatterns = [
    path("", views.index, name="index"),
    path("mine/", views.mine, name="mine"),
    path("health/", views.health, name="health"),
    path("<int:pk>/readings.csv", views.readings_csv, name="readings_csv"),
]
urlpatterns += [
    path("upload/", upload_view, name="upload"),
    path("register/", registration_views.register, name="register"),
    path("register/<int:pk>/", registration_views.registration, name="registration"),
    path(
        "register/<int:pk>/tokens/",
        registration_views.registration_tokens,
        name="registration_tokens",
    ),
]

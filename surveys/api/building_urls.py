"""API of surveys (building_urls); included by surveys.api.urls."""

urlpatterns: list = []

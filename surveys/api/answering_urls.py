"""API of surveys (answering_urls); included by surveys.api.urls."""

urlpatterns: list = []

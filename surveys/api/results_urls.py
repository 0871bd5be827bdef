"""API of survey results and exports; included by surveys.api.urls."""

urlpatterns: list = []

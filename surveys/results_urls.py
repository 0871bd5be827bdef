"""Pages of survey results (charts, map, exports); included by surveys.urls."""

urlpatterns: list = []

"""Officers' pages for building surveys and handing out codes; included by surveys.urls."""

urlpatterns: list = []

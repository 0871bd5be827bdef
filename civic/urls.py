"""Root URL configuration: pages, API, schema, admin, health (the top layer)."""

from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.generic import RedirectView
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from civic.health import healthz

# In the staff member's language, like the rest of the admin.
admin.site.site_header = _("Climate participation")

# JSON for API clients when Django itself answers 400 or 404 (civic.errors).
handler400 = "civic.errors.bad_request"
handler404 = "civic.errors.not_found"

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, the API).
    path("favicon.ico", RedirectView.as_view(url=static("civic/img/favicon.svg"))),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    # The texts our JavaScript shows (map controls), in the page's language.
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("api/v1/", include("civic.api.urls")),
    path("api/v1/", include("sensors.api.urls")),
    path("api/v1/", include("surveys.api.urls")),
    path("api/v1/", include("priority.api.urls")),
    path("api/v1/", include("interventions.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves Swagger UI's init script as a file (?script): no inline script.
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api_docs.html"),
        name="api-docs",
    ),
    path("surveys/", include("surveys.urls")),
    path("sensors/", include("sensors.urls")),
    path("interventions/", include("interventions.urls")),
    path("priority/", include("priority.urls")),
    path("open-data/", include("interventions.open_data_urls")),
    path("", include("civic.page_urls")),
]

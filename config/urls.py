from csp.decorators import csp_update
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from clinic.api.me import Me
from config import health
from config.auth import Logout, ObtainToken

api: list[URLPattern | URLResolver] = [
    path("auth/token/", ObtainToken.as_view(), name="api-token"),
    path("auth/logout/", Logout.as_view(), name="api-logout"),
    path("auth/me/", Me.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start-up code as a file, not an inline script. Swagger
    # UI itself sets inline styles, so its page alone may use them; our pages may not.
    path(
        "docs/",
        csp_update({"style-src": ["'self'", "'unsafe-inline'"]})(
            SpectacularSwaggerSplitView.as_view(url_name="api-schema")
        ),
        name="api-docs",
    ),
    path("", include("clinic.api.urls")),
    path("", include("procedures.api.urls")),
    path("", include("scheduling.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api)),
    path("healthz", health.healthz, name="healthz"),
    path("healthz/broker", health.broker, name="healthz-broker"),
    # Interoperability: FHIR R4 (token auth, as the API) and providers' calendar feeds (a
    # secret token in the link, for calendar apps that cannot sign in).
    path("fhir/R4/", include("scheduling.fhir.urls")),
    path("", include("scheduling.ical.urls")),
    path("", include("scheduling.urls")),
]

# JSON in the API's error shape under /api/, Django's own pages elsewhere (config/errors.py).
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"

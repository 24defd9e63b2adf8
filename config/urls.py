from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from clinic.api.me import Me
from config import health
from config.auth import ObtainToken

api: list[URLPattern | URLResolver] = [
    path("auth/token/", ObtainToken.as_view(), name="api-token"),
    path("auth/me/", Me.as_view(), name="api-me"),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("", include("clinic.api.urls")),
    path("", include("procedures.api.urls")),
    path("", include("scheduling.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include(api)),
    path("healthz", health.healthz, name="healthz"),
    path("", include("scheduling.urls")),
]

# JSON in the API's error shape under /api/, Django's own pages elsewhere (config/errors.py).
handler404 = "config.errors.not_found"
handler500 = "config.errors.server_error"

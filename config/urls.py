"""Top-level URLs: the console, health, metrics, the admin and the API (/api/v1/)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from arbitrage import views as arbitrage_views
from core import health

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("arbitrage.api.urls")),
    path("compliance/", include("compliance.api.urls")),
]

urlpatterns = [
    path("", arbitrage_views.dashboard, name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/v1/", include((api_v1, "api"), namespace="v1")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("", include("django_prometheus.urls")),
]

# Unmatched URLs and crashes under /api/ answer in the API's error shape, as JSON.
handler404 = "core.api.errors.json_not_found"
handler500 = "core.api.errors.json_server_error"

"""Top-level URLs: the console, health, metrics and the admin."""

from django.contrib import admin
from django.urls import include, path

from arbitrage import views as arbitrage_views
from core import health

urlpatterns = [
    path("", arbitrage_views.dashboard, name="dashboard"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("", include("django_prometheus.urls")),
]

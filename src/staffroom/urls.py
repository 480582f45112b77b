from django.urls import include, path

from staffroom.api.routes import api
from staffroom.web import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/v1/", api.urls),
    path("accounts/", include("allauth.urls")),
    path("", include("staffroom.web.urls")),
]

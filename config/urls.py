from django.contrib import admin
from django.urls import include, path

from sscard.api.main import api
from sscard.background.views import readyz
from sscard.common import views
from sscard.metrics.views import metrics

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("metrics", metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("console/", include("sscard.console.urls")),
    path("kiosk/", include("sscard.kiosk.urls")),
    path("voice/", include("sscard.voice.urls")),
    path("", include("sscard.portal.urls")),
]

# A database outage met after the view (saving the session) is the 503 outage page, not an
# error page (sscard.common.views).
handler400 = "sscard.common.views.bad_request"
handler500 = "sscard.common.views.server_error"

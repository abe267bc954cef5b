"""The voice menu's webhooks: set the platform's voice URL to `calls/`, its status callback to
`calls/status/`; the menu points its keys at `calls/keys/` itself."""

from __future__ import annotations

from django.urls import path

from sscard.voice import views

app_name = "voice"
urlpatterns = [
    path("calls/", views.incoming, name="incoming"),
    path("calls/keys/", views.keys, name="keys"),
    path("calls/status/", views.status, name="status"),
]

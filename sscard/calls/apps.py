"""The calls app: hotline calls through the voice menu."""

from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "sscard.calls"
    label = "calls"

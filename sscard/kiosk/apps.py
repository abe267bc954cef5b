"""The kiosk app: the self-service terminal's pages."""

from django.apps import AppConfig


class KioskConfig(AppConfig):
    name = "sscard.kiosk"
    label = "kiosk"

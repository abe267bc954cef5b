from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sscard.portal"
    label = "portal"

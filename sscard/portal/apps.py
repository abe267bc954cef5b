"""The portal app: the citizens' web pages."""

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "sscard.portal"
    label = "portal"

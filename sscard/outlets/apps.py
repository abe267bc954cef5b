"""The outlets app: the places where card business is done."""

from django.apps import AppConfig


class OutletsConfig(AppConfig):
    name = "sscard.outlets"
    label = "outlets"

from django.apps import AppConfig


class OutletsConfig(AppConfig):
    name = "sscard.outlets"
    label = "outlets"

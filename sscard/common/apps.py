from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "sscard.common"
    label = "common"

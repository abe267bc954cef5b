from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "sscard.console"
    label = "console"

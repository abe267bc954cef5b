"""The console app: the web desk of clerks, hotline agents and supervisors."""

from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "sscard.console"
    label = "console"

"""The demo app: demo data for Guangzhou, loaded by `sscard demo`."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sscard.demo"
    label = "demo"

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "sscard.demo"
    label = "demo"

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sscard.api"
    label = "api"
    verbose_name = "HTTP API v1"

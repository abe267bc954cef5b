from django.apps import AppConfig


class RecordsConfig(AppConfig):
    name = "sscard.records"
    label = "records"

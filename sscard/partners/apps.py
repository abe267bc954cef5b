from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "sscard.partners"
    label = "partners"

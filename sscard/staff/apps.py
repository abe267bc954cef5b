from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "sscard.staff"
    label = "staff"
    verbose_name = "staff"

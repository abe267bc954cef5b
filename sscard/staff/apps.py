"""The staff app: console users' roles and outlets, and the customer-facing PIN pad."""

from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "sscard.staff"
    label = "staff"
    verbose_name = "staff"

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sscard.audit"
    label = "audit"

"""The audit app: the hash-chained log of every change."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sscard.audit"
    label = "audit"

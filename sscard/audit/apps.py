"""The audit app: the hash-chained log of every change, a chain per bucket."""

from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "sscard.audit"
    label = "audit"

    def ready(self) -> None:
        from sscard.audit.checkpoints import checkpoint_if_due
        from sscard.common.jobs import register_job

        register_job("audit checkpoint", checkpoint_if_due)

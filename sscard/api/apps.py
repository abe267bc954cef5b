"""The API app: registers the pruning of expired idempotency keys as a sweep job."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sscard.api"
    label = "api"
    verbose_name = "HTTP API v1"

    def ready(self) -> None:
        from sscard.api.idempotency import prune_expired_keys
        from sscard.common.jobs import register_job

        register_job("idempotency keys expired", prune_expired_keys)

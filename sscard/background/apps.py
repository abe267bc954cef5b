"""The background app: registers the pruning of expired sessions and the check of the sweep's
schedule."""

from django.apps import AppConfig
from django.core import checks


class BackgroundConfig(AppConfig):
    name = "sscard.background"
    label = "background"

    def ready(self) -> None:
        from sscard.background.sessions import prune_expired_sessions
        from sscard.background.sweep import check_schedule
        from sscard.common.jobs import register_job

        register_job("sessions pruned", prune_expired_sessions)
        checks.register(check_schedule)

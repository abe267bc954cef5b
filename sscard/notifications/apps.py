"""The notifications app: registers the check of the delivery lease and the pruning of
finished tasks."""

from django.apps import AppConfig
from django.core import checks


class NotificationsConfig(AppConfig):
    name = "sscard.notifications"
    label = "notifications"

    def ready(self) -> None:
        from sscard.common.jobs import register_job
        from sscard.notifications.checks import check_lease
        from sscard.notifications.tasks import prune_finished_tasks

        checks.register(check_lease)
        register_job("finished tasks pruned", prune_finished_tasks)

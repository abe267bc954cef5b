from django.apps import AppConfig
from django.core import checks


class NotificationsConfig(AppConfig):
    name = "sscard.notifications"
    label = "notifications"

    def ready(self) -> None:
        from sscard.notifications.checks import check_lease

        checks.register(check_lease)

"""The applications app: registers the lapse of uncollected cards and the reminders of
cards expiring as sweep jobs."""

from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "sscard.applications"
    label = "applications"

    def ready(self) -> None:
        from sscard.applications.services.cancellation import lapse_uncollected
        from sscard.applications.services.renewal import remind_expiring_cards
        from sscard.common.jobs import register_job

        register_job("uncollected cards lapsed", lapse_uncollected)
        register_job("card expiry reminders", remind_expiring_cards)

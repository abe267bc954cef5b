"""The applications app: registers the lapse of uncollected cards as a sweep job."""

from django.apps import AppConfig


class ApplicationsConfig(AppConfig):
    name = "sscard.applications"
    label = "applications"

    def ready(self) -> None:
        from sscard.applications.services.cancellation import lapse_uncollected
        from sscard.common.jobs import register_job

        register_job("uncollected cards lapsed", lapse_uncollected)

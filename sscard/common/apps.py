"""The common app: registers the deployment check of the secret key."""

from django.apps import AppConfig
from django.core import checks


class CommonConfig(AppConfig):
    name = "sscard.common"
    label = "common"

    def ready(self) -> None:
        from sscard.common.checks import check_secret_key

        checks.register(check_secret_key, checks.Tags.security, deploy=True)

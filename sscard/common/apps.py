"""The common app: registers the deployment checks (the secret key, the message backends)."""

from django.apps import AppConfig
from django.core import checks


class CommonConfig(AppConfig):
    name = "sscard.common"
    label = "common"

    def ready(self) -> None:
        from sscard.common.checks import check_message_backends, check_secret_key

        checks.register(check_secret_key, checks.Tags.security, deploy=True)
        checks.register(check_message_backends, checks.Tags.security, deploy=True)

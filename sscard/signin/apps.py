"""The sign-in app: registers the pruning of spent one-time codes as a sweep job."""

from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "sscard.signin"
    label = "signin"

    def ready(self) -> None:
        from sscard.common.jobs import register_job
        from sscard.signin.services import prune_one_time_codes

        register_job("one-time codes pruned", prune_one_time_codes)

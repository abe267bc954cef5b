"""The calls app: hotline calls through the voice menu; registers the closing of calls left
open and the forgetting of old keyed-in numbers as a sweep job."""

from django.apps import AppConfig


class CallsConfig(AppConfig):
    name = "sscard.calls"
    label = "calls"

    def ready(self) -> None:
        from sscard.calls.services import close_and_forget_calls
        from sscard.common.jobs import register_job

        register_job("voice calls closed and forgotten", close_and_forget_calls)

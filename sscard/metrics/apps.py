"""The metrics app: counts the events the domain announces (sign-in codes, PIN locks)."""

from django.apps import AppConfig


class MetricsConfig(AppConfig):
    name = "sscard.metrics"
    label = "metrics"

    def ready(self) -> None:
        from prometheus_client import disable_created_metrics

        from sscard.metrics.events import connect

        # A `_created` series beside every counter only doubles what is stored.
        disable_created_metrics()
        connect()

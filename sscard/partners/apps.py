"""The partners app: registers the pruning of dead citizen tokens as a sweep job."""

from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "sscard.partners"
    label = "partners"

    def ready(self) -> None:
        from sscard.common.jobs import register_job
        from sscard.partners.services import prune_citizen_tokens

        register_job("citizen tokens pruned", prune_citizen_tokens)

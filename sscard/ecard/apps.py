"""The electronic card app: it follows a card's activation and sweeps used payment codes."""

from django.apps import AppConfig


class EcardConfig(AppConfig):
    name = "sscard.ecard"
    label = "ecard"

    def ready(self) -> None:
        from sscard.cards.signals import card_activated
        from sscard.common.jobs import register_job
        from sscard.ecard.services import follow_activated_card, sweep_used_codes

        card_activated.connect(follow_activated_card, dispatch_uid="ecard.follow_activated_card")
        register_job("ecard codes pruned", sweep_used_codes)

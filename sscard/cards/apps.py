"""The cards app: registers the lapses, reminders and expiries of cards as sweep jobs."""

from django.apps import AppConfig


class CardsConfig(AppConfig):
    name = "sscard.cards"
    label = "cards"

    def ready(self) -> None:
        from sscard.cards.services import expire_cards, lapse_due_reports, remind_lapsing_reports
        from sscard.common.jobs import register_job

        register_job("temporary reports lapsed", lapse_due_reports)
        register_job("reminders", remind_lapsing_reports)
        register_job("cards expired", expire_cards)

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sscard.applications.services import lapse_uncollected
from sscard.cards.services import expire_cards, lapse_due_reports, remind_lapsing_reports


class Command(BaseCommand):
    help = (
        "Apply what time has decided: lapse temporary loss reports, remind holders of reports "
        "about to lapse, lapse uncollected cards, mark expired cards. Safe to run at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        lapsed = lapse_due_reports()
        reminded = remind_lapsing_reports()
        uncollected = lapse_uncollected()
        expired = expire_cards()
        self.stdout.write(
            f"temporary reports lapsed: {lapsed}; reminders: {reminded}; "
            f"uncollected cards lapsed: {uncollected}; cards expired: {expired}"
        )

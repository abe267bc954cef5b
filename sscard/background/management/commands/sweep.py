"""`sscard sweep`: apply what time has decided, in the order of the sweep's schedule."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from sscard.background.sweep import describe, run_sweep


class Command(BaseCommand):
    help = (
        "Apply what time has decided (the schedule of sscard/background/sweep.py): lapse "
        "temporary loss reports, remind holders of reports about to lapse, lapse uncollected "
        "cards, mark expired cards, queue again a yearly statements run whose task was lost, "
        "and forget what is kept only for a while (idempotency answers, finished tasks, dead "
        "citizen tokens, spent one-time codes, expired sessions). "
        "Safe to run at any time."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        self.stdout.write(describe(run_sweep()))

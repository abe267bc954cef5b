"""The recent history of a few hundred demo people, played through the real services.

Each story is a generator: it yields the moment of its next step, and the player runs that
step with the clock frozen at that moment. All stories are merged by time, so the audit log,
the application timelines and the outbox read in the order things happened, and the daily
sweep lapses reports and uncollected cards when it would have. Everything a step does goes
through `sscard.cards.services` and `sscard.applications.services`: the demo data obeys the
same rules as real data and its audit chain verifies.
"""

from __future__ import annotations

import datetime as dt
import random
from functools import partial

from sscard.applications.models import ApplicationStatus as A
from sscard.applications.models import Delivery
from sscard.demo.bulk import BulkResult
from sscard.demo.scenes import (
    Played,
    Story,
    Teller,
    Where,
    by_legal_guardian,
    elsewhere,
    in_tianhe,
    mark_history_delivered,
    play,
    with_instant_bank,
)
from sscard.demo.stories import Stories


def cast(self: Stories) -> list[Story]:
    """Who the stories happen to: each drawn once from a pool of the bulk's people."""
    r = self.scale
    half, third = max(1, r // 2), max(1, r // 3)
    adults, minors = "adults_with_card", "minors_with_card"
    expired, no_card, babies = (
        "expired_card_holders",
        "adults_without_card",
        "minors_without_card",
    )
    until = self._until
    cast: list[tuple[str, int, str, Teller, Where | None]] = [
        # Loss reports and lifting.
        ("temporarily lost", r, adults, self.temporarily_lost, None),
        (
            "temporary report renewed",
            half,
            adults,
            partial(self.temporarily_lost, renew=True),
            elsewhere,
        ),
        ("temporary report lapsed", half, adults, self.temporary_lapses, elsewhere),
        (
            "temporary report lapsed, card cancelled (天河区)",
            third,
            adults,
            self.temporary_lapses,
            in_tianhe,
        ),
        (
            "found, lifted at a window",
            half,
            adults,
            partial(self.found_and_lifted, online=False),
            None,
        ),
        (
            "found, lifted online",
            half,
            adults,
            partial(self.found_and_lifted, online=True),
            None,
        ),
        ("formally lost", r, adults, partial(self.formally_lost, converted=False), None),
        (
            "temporary converted to formal",
            half,
            adults,
            partial(self.formally_lost, converted=True),
            None,
        ),
        ("formal report, card found", third, adults, self.formal_then_found, None),
        ("reissue withdrawn", half, adults, self.reissue_withdrawn, None),
        # Reissue after loss, stopped at every stage.
        *[
            (f"reissue: {stage}", r, adults, until(stage), None)
            for stage in (
                A.RECEIPT_ISSUED,
                A.BANK_ACCEPTED,
                A.IN_PRODUCTION,
                A.PRODUCTION_FAILED,
                A.READY_FOR_COLLECTION,
                A.COLLECTED,
            )
        ],
        ("reissue: mailed", half, adults, until(A.MAILED, delivery=Delivery.MAIL), None),
        (
            "reissue: mailed, delivered",
            third,
            adults,
            until(A.COLLECTED, delivery=Delivery.MAIL),
            None,
        ),
        ("reissue: activated", half, adults, until("activated"), None),
        ("reissue: production failed once, retried", 1, adults, until("retried"), None),
        ("reissue: never collected, lapsed", third, adults, until(A.LAPSED), None),
        ("reissue: instant issuance", third, adults, self.instant_reissue, with_instant_bank),
        # Children: the guardian reports, applies, collects and activates.
        ("child's card temporarily lost", half, minors, self.temporarily_lost, None),
        (
            "child's card formally lost",
            third,
            minors,
            partial(self.formally_lost, converted=True),
            None,
        ),
        *[
            (f"child's reissue: {stage}", third, minors, until(stage), None)
            for stage in (
                A.RECEIPT_ISSUED,
                A.IN_PRODUCTION,
                A.READY_FOR_COLLECTION,
                "activated",
            )
        ],
        (
            "child's reissue by a legal guardian",
            1,
            minors,
            until(A.IN_PRODUCTION),
            by_legal_guardian,
        ),
        # Replacements and first cards.
        (
            "replacement: damaged",
            third,
            adults,
            until(A.READY_FOR_COLLECTION, type="replacement", reason="damaged"),
            None,
        ),
        (
            "replacement: quality fault",
            1,
            adults,
            until(A.IN_PRODUCTION, type="replacement", reason="quality_fault"),
            None,
        ),
        (
            "replacement: expired card",
            third,
            expired,
            until(A.IN_PRODUCTION, type="replacement", reason="expired"),
            None,
        ),
        (
            "replacement: expired card, activated",
            1,
            expired,
            until("activated", type="replacement", reason="expired"),
            None,
        ),
        (
            "first card: intake at a community committee",
            half,
            no_card,
            until(A.SUBMITTED, type="new", intake=True),
            None,
        ),
        (
            "first card: intake completed",
            third,
            no_card,
            until(A.IN_PRODUCTION, type="new", intake=True),
            None,
        ),
        (
            "first card for a baby: intake",
            third,
            babies,
            until(A.SUBMITTED, type="new", intake=True),
            None,
        ),
        (
            "first card for a baby: ready",
            1,
            babies,
            until(A.READY_FOR_COLLECTION, type="new", intake=True),
            None,
        ),
        # PINs: each wrong try is an Argon2 verification, so there are few.
        (
            "PIN locked (天河区: 3 tries)",
            1,
            adults,
            partial(self.pin_locked, reset=False),
            in_tianhe,
        ),
        ("PIN locked (6 tries)", 1, adults, partial(self.pin_locked, reset=False), elsewhere),
        (
            "PIN locked, reset at a window",
            1,
            adults,
            partial(self.pin_locked, reset=True),
            in_tianhe,
        ),
        ("wrong PIN, then the right one", 1, adults, self.pin_slip, in_tianhe),
    ]
    made: list[Story] = []
    for name, count, pool, teller, where in cast:
        for n in range(count):
            subject = self.take(pool, where) or (self.take(pool) if where else None)
            if subject is None:
                continue
            made.append(teller(subject, random.Random(f"{self.seed}:{name}:{n}")))
            self.played.stories[name] = self.played.stories.get(name, 0) + 1
            self.played.subjects += 1
    made.append(self.nightly_sweeps(14))
    return made


def run_scenarios(bulk: BulkResult, *, seed: int, scale: int) -> Played:
    scenes = Stories(bulk, seed=seed, scale=scale)
    stories = cast(scenes)
    scenes.played.steps = play(stories)
    mark_history_delivered(scenes.now - dt.timedelta(days=1))
    return scenes.played

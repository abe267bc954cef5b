"""The writes on a card, one module per topic; this package's face is what other apps and the
interfaces call, and they import it from here, never from a topic module.

- `loss_reports`: report a loss, renew, convert or extend the report in force;
- `lifting`: lift a report when the card is found;
- `activation`: activate a collected card, verify, change and reset its PIN;
- `cancellation`: cancel a card, and the hold a reissue puts on its loss report;
- `sweeps`: what time decides (lapses, reminders, expiry);
- `shared`: the lock, snapshots, audit events and the documents on the desk.
"""

from sscard.cards.services.activation import (
    PinCheck,
    activate_card,
    change_pin,
    reset_pin,
    verify_pin,
)
from sscard.cards.services.cancellation import (
    cancel_card,
    mark_reissue_applied,
    release_reissue_hold,
)
from sscard.cards.services.lifting import lift_loss_report
from sscard.cards.services.loss_reports import LossOutcome, report_loss
from sscard.cards.services.shared import (
    KNOWN_DOCUMENTS,
    card_event,
    card_snapshot,
    check_counter_documents,
    clean_documents,
    require_channel,
    require_outlet_service,
    settle_card,
)
from sscard.cards.services.sweeps import expire_cards, lapse_due_reports, remind_lapsing_reports

__all__ = [
    "KNOWN_DOCUMENTS",
    "LossOutcome",
    "PinCheck",
    "activate_card",
    "cancel_card",
    "card_event",
    "card_snapshot",
    "change_pin",
    "check_counter_documents",
    "clean_documents",
    "expire_cards",
    "lapse_due_reports",
    "lift_loss_report",
    "mark_reissue_applied",
    "release_reissue_hold",
    "remind_lapsing_reports",
    "report_loss",
    "require_channel",
    "require_outlet_service",
    "reset_pin",
    "settle_card",
    "verify_pin",
]

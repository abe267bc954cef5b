"""The terminal's plain words for the domain's codes: a card's status, an application's type and
step, an insurance and a record's status. Only wording lives here."""

from __future__ import annotations

from django.utils.translation import pgettext_lazy

CARD_STATUS = {
    "in_production": pgettext_lazy("kiosk", "Being made"),
    "awaiting_collection": pgettext_lazy("kiosk", "Ready to collect"),
    "sealed": pgettext_lazy("kiosk", "Collected, not yet activated"),
    "normal": pgettext_lazy("kiosk", "Works"),
    "temporarily_lost": pgettext_lazy("kiosk", "Blocked: reported lost"),
    "formally_lost": pgettext_lazy("kiosk", "Blocked: reported lost in writing"),
    "pin_locked": pgettext_lazy("kiosk", "PIN locked"),
    "cancelled": pgettext_lazy("kiosk", "Cancelled"),
    "expired": pgettext_lazy("kiosk", "Expired"),
}
APPLICATION_TYPE = {
    "new": pgettext_lazy("kiosk", "First card"),
    "reissue": pgettext_lazy("kiosk", "New card after a loss"),
    "replacement": pgettext_lazy("kiosk", "Replacement card"),
}
STEP = {
    "submitted": pgettext_lazy("kiosk", "Application received"),
    "receipt_issued": pgettext_lazy("kiosk", "Receipt issued"),
    "bank_accepted": pgettext_lazy("kiosk", "Accepted by the bank"),
    "in_production": pgettext_lazy("kiosk", "Card being made"),
    "production_failed": pgettext_lazy("kiosk", "Card could not be made: it is being made again"),
    "ready_for_collection": pgettext_lazy("kiosk", "Ready to collect"),
    "mailed": pgettext_lazy("kiosk", "Sent by post"),
    "collected": pgettext_lazy("kiosk", "Collected"),
    "lapsed": pgettext_lazy("kiosk", "Not collected in time"),
    "cancelled": pgettext_lazy("kiosk", "Application cancelled"),
}
INSURANCE = {
    "pension": pgettext_lazy("kiosk", "Pension insurance"),
    "medical": pgettext_lazy("kiosk", "Medical insurance"),
    "unemployment": pgettext_lazy("kiosk", "Unemployment insurance"),
    "work_injury": pgettext_lazy("kiosk", "Work injury insurance"),
    "maternity": pgettext_lazy("kiosk", "Maternity insurance"),
}
RECORD_STATUS = {
    "paid": pgettext_lazy("kiosk", "Paid"),
    "owed": pgettext_lazy("kiosk", "Owed: not paid"),
    "back_paid": pgettext_lazy("kiosk", "Paid later (back payment)"),
}
TABLES = {
    "card_status": CARD_STATUS,
    "application_type": APPLICATION_TYPE,
    "step": STEP,
    "insurance": INSURANCE,
    "record_status": RECORD_STATUS,
}


def label(table: str, code: str) -> str:
    return str(TABLES[table].get(code, code))

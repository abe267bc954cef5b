"""The portal's plain words for the domain's codes: a card's status, an application's type and
step, an outlet's kind and services, the documents to bring, the channel a report came by, an
insurance, a contribution record's status and a dispute's.

Only wording lives here: which status a card has comes from the domain; this module says it in
words a citizen understands, in zh-Hans or English (values: `sscard.portal.formats`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy

from sscard.portal.formats import either

CARD_STATUS = {
    "in_production": gettext_lazy("Being made"),
    "awaiting_collection": gettext_lazy("Ready to collect"),
    "sealed": gettext_lazy("Collected, not yet activated"),
    "normal": gettext_lazy("Works"),
    "temporarily_lost": gettext_lazy("Blocked: reported lost"),
    "formally_lost": gettext_lazy("Blocked: reported lost in writing"),
    "pin_locked": gettext_lazy("PIN locked"),
    "cancelled": gettext_lazy("Cancelled"),
    "expired": gettext_lazy("Expired"),
}
BANK_STATUS = {
    "not_opened": gettext_lazy("Not opened"),
    "normal": gettext_lazy("Works"),
    "frozen": gettext_lazy("Frozen"),
    "closed": gettext_lazy("Closed"),
}
APPLICATION_TYPE = {
    "new": gettext_lazy("First card"),
    "reissue": gettext_lazy("New card after a loss"),
    "replacement": gettext_lazy("Replacement card"),
}
REPLACEMENT_REASON = {
    "damaged": gettext_lazy("the card is damaged"),
    "expired": gettext_lazy("the card has expired"),
    "info_change": gettext_lazy("your details changed"),
    "quality_fault": gettext_lazy("the card has a fault"),
}
STEP = {
    "submitted": gettext_lazy("Application received"),
    "receipt_issued": gettext_lazy("Receipt issued"),
    "bank_accepted": gettext_lazy("Accepted by the bank"),
    "in_production": gettext_lazy("Card being made"),
    "production_failed": gettext_lazy("Card could not be made: it is being made again"),
    "ready_for_collection": gettext_lazy("Ready to collect"),
    "mailed": gettext_lazy("Sent by post"),
    "collected": gettext_lazy("Collected"),
    "lapsed": gettext_lazy("Not collected in time"),
    "cancelled": gettext_lazy("Application cancelled"),
}
OUTLET_TYPE = {
    "community_committee": gettext_lazy("Community (village) committee"),
    "subdistrict_office": gettext_lazy("Sub-district office"),
    "social_insurance_agency": gettext_lazy("Social insurance agency"),
    "hrss_bureau": gettext_lazy("Human resources and social security bureau"),
    "bank_outlet": gettext_lazy("Bank outlet"),
    "self_service_terminal": gettext_lazy("Self-service terminal"),
}
SERVICE = {
    "intake": gettext_lazy("First help with a request"),
    "temporary_loss_report": gettext_lazy("Report a lost card (temporary)"),
    "formal_loss_report": gettext_lazy("Report a lost card in writing"),
    "lift": gettext_lazy("Cancel a loss report (card found)"),
    "reissue": gettext_lazy("Apply for a new card"),
    "instant_issuance": gettext_lazy("New card made on the spot"),
    "collection": gettext_lazy("Collect a new card"),
    "activation": gettext_lazy("Activate a card"),
    "pin_reset": gettext_lazy("Reset or unlock the PIN"),
    "inquiry": gettext_lazy("Questions and records"),
}
# The originals to bring, for the holder acting alone and for a guardian acting for a child.
DOCUMENT_SELF = {"id_card": gettext_lazy("your ID card")}
DOCUMENT_WARD = {
    "id_card": gettext_lazy("the child's ID card"),
    "household_register": gettext_lazy("the household registration book (hukou)"),
    "guardian_id_card": gettext_lazy("your own ID card"),
    "guardianship_proof": gettext_lazy("proof that you are the child's guardian"),
}
FEE_WAIVER = {
    "first_card": gettext_lazy("it is the first card"),
    "quality_fault": gettext_lazy("the card has a manufacturing fault"),
    "hardship": gettext_lazy("you are in financial hardship (ask at the counter)"),
}
RELATION = {"parent": gettext_lazy("your child"), "legal_guardian": gettext_lazy("in your care")}
CHANNEL = {
    "hotline": gettext_lazy("12333 hotline"),
    "web": gettext_lazy("this website"),
    "app": gettext_lazy("mobile app"),
    "window": gettext_lazy("service window"),
    "bank": gettext_lazy("bank outlet"),
    "kiosk": gettext_lazy("self-service terminal"),
    "system": gettext_lazy("automatically"),
}

INSURANCE = {
    "pension": gettext_lazy("Pension insurance"),
    "medical": gettext_lazy("Medical insurance"),
    "unemployment": gettext_lazy("Unemployment insurance"),
    "work_injury": gettext_lazy("Work injury insurance"),
    "maternity": gettext_lazy("Maternity insurance"),
}
RECORD_STATUS = {
    "paid": gettext_lazy("Paid"),
    "owed": gettext_lazy("Owed: not paid"),
    "back_paid": gettext_lazy("Paid later (back payment)"),
}
DISPUTE_STATUS = {
    "open": gettext_lazy("Being checked"),
    "corrected": gettext_lazy("Checked: the record was corrected"),
    "confirmed": gettext_lazy("Checked: the record stands as recorded"),
}
STATEMENT_STATUS = {
    "pending": gettext_lazy("Being prepared"),
    "made": gettext_lazy("Ready"),
    "notified": gettext_lazy("Ready: we sent you a message"),
}


def label(table: dict[str, Any], code: str) -> str:
    return str(table.get(code, code))


def documents(needs: list[tuple[str, ...]], *, for_ward: bool) -> list[str]:
    """Each need as words: "the child's ID card or the household registration book (hukou)"."""
    table = DOCUMENT_WARD if for_ward else DOCUMENT_SELF
    return [either([label(table, code) for code in need]) for need in needs]

"""The words the console shows for the domain's codes, in the reader's language."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import pgettext_lazy

Labels = dict[str, Promise]

ROLE_LABELS: Labels = {
    "community_clerk": pgettext_lazy("console", "community intake clerk"),
    "window_clerk": pgettext_lazy("console", "window clerk"),
    "bank_clerk": pgettext_lazy("console", "bank clerk"),
    "hotline_agent": pgettext_lazy("console", "hotline agent"),
    "supervisor": pgettext_lazy("console", "supervisor"),
    "admin": pgettext_lazy("console", "system administrator"),
    "citizen": pgettext_lazy("console", "citizen"),
    "partner": pgettext_lazy("console", "partner system"),
    "system": pgettext_lazy("console", "system"),
}

PERMISSION_LABELS: Labels = {
    "find_person": pgettext_lazy("console", "find a person by ID number"),
    "reveal_id_number": pgettext_lazy("console", "reveal a whole ID number"),
    "report_loss": pgettext_lazy("console", "file a loss report at a counter"),
    "lift_loss_report": pgettext_lazy("console", "lift a loss report"),
    "apply_for_card": pgettext_lazy("console", "take card applications"),
    "print_receipt": pgettext_lazy("console", "print the Receipt for Reissuing"),
    "issue_instantly": pgettext_lazy("console", "issue a card on the spot"),
    "hand_over_card": pgettext_lazy("console", "hand over a card"),
    "activate_card": pgettext_lazy("console", "activate a card"),
    "reset_pin": pgettext_lazy("console", "reset and unlock a PIN"),
    "cancel_application": pgettext_lazy("console", "withdraw an application"),
    "record_intake": pgettext_lazy("console", "take a preliminary intake"),
    "complete_intake": pgettext_lazy("console", "complete a preliminary intake at a window"),
    "manage_guardianships": pgettext_lazy("console", "record, change and end guardianships"),
    "accept_receipt": pgettext_lazy("console", "accept a receipt at the bank"),
    "record_production": pgettext_lazy("console", "record production events"),
    "check_caller_identity": pgettext_lazy("console", "check a caller's identity"),
    "report_loss_by_phone": pgettext_lazy("console", "file a temporary loss report for a caller"),
    "view_outlet_lists": pgettext_lazy("console", "see the lists of your outlet"),
    "view_all_lists": pgettext_lazy("console", "see the lists of every outlet"),
    "view_hotline_reports": pgettext_lazy(
        "console", "see the loss reports made through the hotline"
    ),
    "view_dashboard": pgettext_lazy("console", "see the supervisor's dashboard"),
    "view_audit_log": pgettext_lazy("console", "read the audit log"),
    "export_csv": pgettext_lazy("console", "export lists as CSV"),
    "read_records": pgettext_lazy("console", "read a person's contribution records"),
    "manage_authorisations": pgettext_lazy(
        "console", "record and end written authorisations to read records"
    ),
    "answer_disputes": pgettext_lazy("console", "answer disputes about records"),
}

CARD_STATUS: Labels = {
    "in_production": pgettext_lazy("console", "in production"),
    "awaiting_collection": pgettext_lazy("console", "awaiting collection"),
    "sealed": pgettext_lazy("console", "collected, not yet activated"),
    "normal": pgettext_lazy("console", "normal"),
    "temporarily_lost": pgettext_lazy("console", "temporarily reported lost"),
    "formally_lost": pgettext_lazy("console", "formally reported lost"),
    "pin_locked": pgettext_lazy("console", "PIN locked"),
    "cancelled": pgettext_lazy("console", "cancelled"),
    "expired": pgettext_lazy("console", "expired"),
}

BANK_STATUS: Labels = {
    "not_opened": pgettext_lazy("console", "not opened"),
    "normal": pgettext_lazy("console", "normal"),
    "frozen": pgettext_lazy("console", "frozen"),
    "closed": pgettext_lazy("console", "closed"),
}

APPLICATION_STATUS: Labels = {
    "submitted": pgettext_lazy("console", "submitted"),
    "receipt_issued": pgettext_lazy("console", "receipt issued"),
    "bank_accepted": pgettext_lazy("console", "accepted by the bank"),
    "in_production": pgettext_lazy("console", "in production"),
    "production_failed": pgettext_lazy("console", "production failed"),
    "ready_for_collection": pgettext_lazy("console", "ready for collection"),
    "mailed": pgettext_lazy("console", "mailed"),
    "collected": pgettext_lazy("console", "collected"),
    "lapsed": pgettext_lazy("console", "lapsed"),
    "cancelled": pgettext_lazy("console", "cancelled"),
}

APPLICATION_TYPE: Labels = {
    "new": pgettext_lazy("console", "first card"),
    "reissue": pgettext_lazy("console", "reissue after loss"),
    "replacement": pgettext_lazy("console", "replacement"),
}

REPLACEMENT_REASON: Labels = {
    "damaged": pgettext_lazy("console", "damaged"),
    "expired": pgettext_lazy("console", "expired"),
    "info_change": pgettext_lazy("console", "changed information"),
    "quality_fault": pgettext_lazy("console", "quality fault"),
}

FEE_WAIVER: Labels = {
    "": pgettext_lazy("console", "no waiver"),
    "first_card": pgettext_lazy("console", "first card"),
    "quality_fault": pgettext_lazy("console", "quality fault"),
    "hardship": pgettext_lazy("console", "hardship"),
}

PRODUCTION: Labels = {
    "batch": pgettext_lazy("console", "batch production"),
    "instant": pgettext_lazy("console", "instant issuance"),
}
DELIVERY: Labels = {
    "pickup": pgettext_lazy("console", "pick up at an outlet"),
    "mail": pgettext_lazy("console", "by mail"),
}

LOSS_KIND: Labels = {
    "temporary": pgettext_lazy("console", "temporary"),
    "formal": pgettext_lazy("console", "formal (written)"),
}
LOSS_STATUS: Labels = {
    "effective": pgettext_lazy("console", "effective"),
    "lifted": pgettext_lazy("console", "lifted"),
    "lapsed": pgettext_lazy("console", "lapsed"),
    "closed": pgettext_lazy("console", "closed: the card was cancelled"),
}

CHANNEL: Labels = {
    "hotline": pgettext_lazy("console", "12333 hotline"),
    "web": pgettext_lazy("console", "website"),
    "app": pgettext_lazy("console", "mobile app"),
    "window": pgettext_lazy("console", "service window"),
    "bank": pgettext_lazy("console", "bank outlet"),
    "kiosk": pgettext_lazy("console", "self-service terminal"),
    "system": pgettext_lazy("console", "system"),
}

RELATION: Labels = {
    "self": pgettext_lazy("console", "the holder"),
    "guardian": pgettext_lazy("console", "guardian"),
    "agent": pgettext_lazy("console", "agent"),
    "parent": pgettext_lazy("console", "parent"),
    "legal_guardian": pgettext_lazy("console", "legal guardian"),
}

DOCUMENT: Labels = {
    "id_card": pgettext_lazy("console", "the holder's ID card"),
    "household_register": pgettext_lazy("console", "the household registration book"),
    "guardian_id_card": pgettext_lazy("console", "the guardian's ID card"),
    "guardianship_proof": pgettext_lazy("console", "proof of guardianship"),
    "receipt": pgettext_lazy("console", "the Receipt for Reissuing"),
}

GUARDIANSHIP_BASIS: Labels = {
    "minor": pgettext_lazy("console", "the ward is a minor"),
    "court_finding": pgettext_lazy(
        "console", "a court found the ward without or with limited capacity"
    ),
    "designation": pgettext_lazy("console", "designated guardian"),
}

GUARDIANSHIP_END: Labels = {
    "capacity_restored": pgettext_lazy("console", "the ward's capacity is restored"),
    "guardian_removed": pgettext_lazy("console", "a court removed the guardian"),
    "guardian_unable": pgettext_lazy("console", "the guardian can no longer act"),
    "death": pgettext_lazy("console", "the guardian or the ward died"),
    "recorded_in_error": pgettext_lazy("console", "recorded in error"),
    "superseded": pgettext_lazy("console", "replaced by a new record"),
}

REVEAL_REASON: Labels = {
    "compare_document": pgettext_lazy("console", "compare with the document on the desk"),
    "correct_record": pgettext_lazy("console", "correct or complete a record"),
    "holder_request": pgettext_lazy("console", "the holder asks to see it"),
}

QUESTION: Labels = {
    "phone_last4": pgettext_lazy("console", "The last four digits of the mobile number on record"),
    "card_bank": pgettext_lazy("console", "The bank of the social security card"),
}

OUTLET_TYPE: Labels = {
    "community_committee": pgettext_lazy("console", "community (village) committee"),
    "subdistrict_office": pgettext_lazy("console", "sub-district office / township government"),
    "social_insurance_agency": pgettext_lazy("console", "social insurance agency"),
    "hrss_bureau": pgettext_lazy("console", "human resources and social security bureau"),
    "bank_outlet": pgettext_lazy("console", "bank outlet"),
    "self_service_terminal": pgettext_lazy("console", "self-service terminal"),
}

SEX: Labels = {"M": pgettext_lazy("console", "male"), "F": pgettext_lazy("console", "female")}

CALL_SERVICE: Labels = {
    "report_loss": pgettext_lazy("console", "temporary loss report"),
    "card_status": pgettext_lazy("console", "status of a card"),
    "application": pgettext_lazy("console", "progress of an application"),
}

CALL_IDENTITY: Labels = {
    "not_checked": pgettext_lazy("console", "not checked"),
    "passed": pgettext_lazy("console", "passed"),
    "failed": pgettext_lazy("console", "failed"),
}

TRANSFER_REASON: Labels = {
    "asked": pgettext_lazy("console", "the caller pressed 0"),
    "failed_tries": pgettext_lazy("console", "three failed tries"),
    "identity": pgettext_lazy("console", "the identity check cannot be done by keypad"),
    "refused": pgettext_lazy("console", "the menu cannot do what was asked"),
}

AUDIT_ACTION: Labels = {
    "application.submitted": pgettext_lazy("console", "application submitted"),
    "application.receipt_issued": pgettext_lazy("console", "Receipt for Reissuing issued"),
    "application.bank_accepted": pgettext_lazy("console", "application accepted by the bank"),
    "application.in_production": pgettext_lazy("console", "card production started"),
    "application.production_failed": pgettext_lazy("console", "card production failed"),
    "application.ready_for_collection": pgettext_lazy("console", "card ready for collection"),
    "application.mailed": pgettext_lazy("console", "card mailed"),
    "application.collected": pgettext_lazy("console", "card collected"),
    "application.lapsed": pgettext_lazy("console", "uncollected card lapsed"),
    "application.cancelled": pgettext_lazy("console", "application withdrawn or cancelled"),
    "card.activated": pgettext_lazy("console", "card activated"),
    "card.blocked": pgettext_lazy("console", "card blocked"),
    "card.cancelled": pgettext_lazy("console", "card cancelled"),
    "card.collected": pgettext_lazy("console", "card handed over"),
    "card.expired": pgettext_lazy("console", "card expired"),
    "card.loss_report_lapsed": pgettext_lazy("console", "temporary loss report lapsed on the card"),
    "card.made": pgettext_lazy("console", "card made"),
    "card.numbered": pgettext_lazy("console", "card number assigned"),
    "card.pin_changed": pgettext_lazy("console", "PIN changed by the holder"),
    "card.pin_counter_reset": pgettext_lazy("console", "PIN attempts reset"),
    "card.pin_locked": pgettext_lazy("console", "PIN locked"),
    "card.pin_reset": pgettext_lazy("console", "PIN reset"),
    "card.pin_wrong": pgettext_lazy("console", "wrong PIN entered"),
    "card.unblocked": pgettext_lazy("console", "card unblocked"),
    "loss_report.created": pgettext_lazy("console", "loss report filed"),
    "loss_report.closed": pgettext_lazy("console", "loss report closed"),
    "loss_report.lapsed": pgettext_lazy("console", "temporary loss report lapsed"),
    "loss_report.lifted": pgettext_lazy("console", "loss report lifted"),
    "loss_report.reissue_applied": pgettext_lazy("console", "reissue applied for on the report"),
    "loss_report.reissue_withdrawn": pgettext_lazy("console", "reissue on the report withdrawn"),
    "loss_report.renewed": pgettext_lazy("console", "temporary loss report renewed"),
    "loss_report.converted": pgettext_lazy("console", "temporary loss report made formal"),
    "loss_report.extended": pgettext_lazy(
        "console", "formal loss report extended to both applications"
    ),
    "person.created": pgettext_lazy("console", "person recorded"),
    "person.id_number_revealed": pgettext_lazy("console", "whole ID number revealed"),
    "person.identity_checked": pgettext_lazy("console", "caller's identity checked"),
    "person.identity_check_failed": pgettext_lazy("console", "caller's identity check failed"),
    "person.language_changed": pgettext_lazy("console", "language of messages changed"),
    "person.signed_in": pgettext_lazy("console", "citizen signed in"),
    "person.signed_out": pgettext_lazy("console", "citizen signed out"),
    "guardianship.created": pgettext_lazy("console", "guardian recorded"),
    "guardianship.changed": pgettext_lazy("console", "guardianship changed"),
    "guardianship.ended": pgettext_lazy("console", "guardianship ended"),
    "receipt.printed": pgettext_lazy("console", "receipt printed"),
    "staff.bound": pgettext_lazy("console", "staff member bound to outlet and role"),
    "list.exported": pgettext_lazy("console", "list exported"),
    "audit.chain_verified": pgettext_lazy("console", "audit chain verified"),
    "api_client.created": pgettext_lazy("console", "API client created"),
    "api_client.revoked": pgettext_lazy("console", "API client revoked"),
    "api_client.token_replaced": pgettext_lazy("console", "API client's token replaced"),
    "policy.created": pgettext_lazy("console", "regional policy set up"),
    "policy.changed": pgettext_lazy("console", "regional policy changed"),
    "policy.deleted": pgettext_lazy("console", "regional policy deleted"),
    "outlet.created": pgettext_lazy("console", "outlet recorded"),
    "outlet.changed": pgettext_lazy("console", "outlet changed"),
    "bank.created": pgettext_lazy("console", "co-operating bank recorded"),
    "bank.changed": pgettext_lazy("console", "co-operating bank changed"),
    "staff.created": pgettext_lazy("console", "staff account created"),
    "staff.changed": pgettext_lazy("console", "staff account changed"),
    "staff.password_set": pgettext_lazy("console", "staff password set by an administrator"),
    "contributions.booked": pgettext_lazy("console", "contribution records booked"),
    "records.read": pgettext_lazy("console", "records read"),
    "records.authorisation_recorded": pgettext_lazy("console", "records authorisation recorded"),
    "records.authorisation_ended": pgettext_lazy("console", "records authorisation ended"),
    "records.dispute_opened": pgettext_lazy("console", "records dispute opened"),
    "records.dispute_answered": pgettext_lazy("console", "records dispute answered"),
    "records.statements_queued": pgettext_lazy("console", "yearly statements queued"),
    "call.transferred": pgettext_lazy("console", "voice menu call transferred to an agent"),
    "ecard.issued": pgettext_lazy("console", "electronic card issued"),
    "ecard.revoked": pgettext_lazy("console", "electronic card revoked"),
    "ecard.rebound": pgettext_lazy("console", "electronic card moved to the new card"),
    "ecard.key_rotated": pgettext_lazy("console", "electronic card signing key rotated"),
}

INSURANCE: Labels = {
    "pension": pgettext_lazy("console", "pension"),
    "medical": pgettext_lazy("console", "medical"),
    "unemployment": pgettext_lazy("console", "unemployment"),
    "work_injury": pgettext_lazy("console", "work injury"),
    "maternity": pgettext_lazy("console", "maternity"),
}

RECORD_STATUS: Labels = {
    "paid": pgettext_lazy("console", "paid"),
    "owed": pgettext_lazy("console", "owed"),
    "back_paid": pgettext_lazy("console", "back paid"),
}

DISPUTE_STATUS: Labels = {
    "open": pgettext_lazy("console", "open"),
    "corrected": pgettext_lazy("console", "checked and corrected"),
    "confirmed": pgettext_lazy("console", "checked and confirmed as recorded"),
}
STATEMENT_STATUS: Labels = {
    "pending": pgettext_lazy("console", "queued, not made yet"),
    "made": pgettext_lazy("console", "made, the person not told yet"),
    "notified": pgettext_lazy("console", "made, and the person told"),
}

GROUPS: dict[str, Labels] = {
    "statement_status": STATEMENT_STATUS,
    "card_status": CARD_STATUS,
    "bank_status": BANK_STATUS,
    "application_status": APPLICATION_STATUS,
    "application_type": APPLICATION_TYPE,
    "reason": REPLACEMENT_REASON,
    "fee_waiver": FEE_WAIVER,
    "production": PRODUCTION,
    "delivery": DELIVERY,
    "loss_kind": LOSS_KIND,
    "loss_status": LOSS_STATUS,
    "channel": CHANNEL,
    "relation": RELATION,
    "basis": GUARDIANSHIP_BASIS,
    "end_reason": GUARDIANSHIP_END,
    "document": DOCUMENT,
    "role": ROLE_LABELS,
    "outlet_type": OUTLET_TYPE,
    "sex": SEX,
    "question": QUESTION,
    "audit_action": AUDIT_ACTION,
    "insurance": INSURANCE,
    "record_status": RECORD_STATUS,
    "dispute_status": DISPUTE_STATUS,
    "call_service": CALL_SERVICE,
    "call_identity": CALL_IDENTITY,
    "transfer_reason": TRANSFER_REASON,
}


def label(group: str, value: object) -> str:
    text = str(value or "")
    found = GROUPS.get(group, {}).get(text)
    return str(found) if found is not None else text

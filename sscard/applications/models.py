"""Card applications and their events: the kinds, statuses, production and delivery choices,
and fee waivers of DOMAIN.md section 4."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q

from sscard.people.buckets import PersonOwned


class ApplicationType(models.TextChoices):
    NEW = "new", "first card"
    REISSUE = "reissue", "reissue after loss"
    REPLACEMENT = "replacement", "replacement"


class ReplacementReason(models.TextChoices):
    DAMAGED = "damaged", "damaged"
    EXPIRED = "expired", "expired"
    INFO_CHANGE = "info_change", "changed information"
    QUALITY_FAULT = "quality_fault", "quality fault"


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", "submitted"
    RECEIPT_ISSUED = "receipt_issued", "receipt issued"
    BANK_ACCEPTED = "bank_accepted", "accepted by the bank"
    IN_PRODUCTION = "in_production", "in production"
    PRODUCTION_FAILED = "production_failed", "production failed"
    READY_FOR_COLLECTION = "ready_for_collection", "ready for collection"
    MAILED = "mailed", "mailed"
    COLLECTED = "collected", "collected"
    LAPSED = "lapsed", "lapsed"
    CANCELLED = "cancelled", "cancelled"


OPEN_STATUSES = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.RECEIPT_ISSUED,
    ApplicationStatus.BANK_ACCEPTED,
    ApplicationStatus.IN_PRODUCTION,
    ApplicationStatus.PRODUCTION_FAILED,
    ApplicationStatus.READY_FOR_COLLECTION,
    ApplicationStatus.MAILED,
)


class Production(models.TextChoices):
    BATCH = "batch", "batch"
    INSTANT = "instant", "instant issuance"


class Delivery(models.TextChoices):
    PICKUP = "pickup", "pick up at an outlet"
    MAIL = "mail", "by mail"


class FeeWaiver(models.TextChoices):
    FIRST_CARD = "first_card", "first card"
    QUALITY_FAULT = "quality_fault", "quality fault"
    HARDSHIP = "hardship", "hardship"


class CardApplication(PersonOwned):
    number = models.CharField(max_length=20)
    type = models.CharField(max_length=12, choices=ApplicationType.choices)
    reason = models.CharField(max_length=16, choices=ReplacementReason.choices, blank=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="applications"
    )
    applicant = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    applicant_relation = models.CharField(max_length=10)
    documents = models.JSONField(default=list)
    channel = models.CharField(max_length=10)
    outlet = models.ForeignKey("outlets.Outlet", on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey("partners.Bank", null=True, blank=True, on_delete=models.PROTECT)
    production = models.CharField(max_length=8, choices=Production.choices)
    delivery = models.CharField(max_length=8, choices=Delivery.choices)
    mail_address = models.CharField(max_length=200, blank=True)
    fee_amount = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0.00"))
    fee_waived = models.BooleanField(default=False)
    fee_waiver = models.CharField(max_length=16, choices=FeeWaiver.choices, blank=True)
    status = models.CharField(max_length=24, choices=ApplicationStatus.choices)
    # Null until issued: many applications without one, none of them equal.
    receipt_number = models.CharField(max_length=20, null=True, blank=True)  # noqa: DJ001
    old_card = models.ForeignKey(
        "cards.Card", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    new_card = models.ForeignKey(
        "cards.Card", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    collection_outlet = models.ForeignKey(
        "outlets.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tracking_number = models.CharField(max_length=40, blank=True)
    expected_ready_on = models.DateField(null=True, blank=True)
    collect_by = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            # The bucket last: a lookup by number or receipt number reads the index's prefix.
            models.UniqueConstraint(fields=["number", "bucket"], name="application_number_unique"),
            models.UniqueConstraint(
                fields=["receipt_number", "bucket"], name="application_receipt_unique"
            ),
            models.UniqueConstraint(
                fields=["person", "bucket"],
                condition=Q(status__in=[s.value for s in OPEN_STATUSES]),
                name="one_open_application_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(delivery="mail") | ~Q(mail_address=""),
                name="mail_delivery_has_address",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "collect_by"], name="application_lapse_due"),
            models.Index(fields=["bank", "status"], name="application_bank_queue"),
        ]

    def __str__(self) -> str:
        return self.number


class ApplicationEvent(PersonOwned):
    """One step of an application's timeline."""

    application = models.ForeignKey(
        CardApplication, on_delete=models.PROTECT, related_name="events"
    )
    status = models.CharField(max_length=24, choices=ApplicationStatus.choices)
    at = models.DateTimeField()
    channel = models.CharField(max_length=10)
    outlet_code = models.CharField(max_length=16, blank=True)
    note = models.CharField(max_length=200, blank=True)

    bucket_owner = "application"

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.application_id} {self.status}"


class ExpiryReminder(PersonOwned):
    """A reminder sent that a card expires (DOMAIN.md sections 3 and 9): one for a card, its
    expiry date and the policy's day ahead, written with the outbox message it sent."""

    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="+")
    expires_on = models.DateField()
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()

    bucket_owner = "card"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["card", "expires_on", "days_before", "bucket"], name="one_expiry_reminder"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.card_id} {self.expires_on} -{self.days_before}"

"""Cards and loss reports: the card's two statuses (social security and bank), the loss
report's kinds and statuses, and who reported it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from sscard.people.buckets import PersonOwned


class CardStatus(models.TextChoices):
    """The social-security application's status (DOMAIN.md section 3)."""

    IN_PRODUCTION = "in_production", "in production"
    AWAITING_COLLECTION = "awaiting_collection", "awaiting collection"
    SEALED = "sealed", "collected, not yet activated"
    NORMAL = "normal", "normal"
    TEMPORARILY_LOST = "temporarily_lost", "temporarily reported lost"
    FORMALLY_LOST = "formally_lost", "formally reported lost"
    PIN_LOCKED = "pin_locked", "PIN locked"
    CANCELLED = "cancelled", "cancelled"
    EXPIRED = "expired", "expired"


class BankStatus(models.TextChoices):
    """The financial application's status."""

    NOT_OPENED = "not_opened", "not opened"
    NORMAL = "normal", "normal"
    FROZEN = "frozen", "frozen"
    CLOSED = "closed", "closed"


# A person holds at most one card in these statuses: the card in the hand, usable or blocked.
LIVE_STATUSES = (
    CardStatus.NORMAL,
    CardStatus.TEMPORARILY_LOST,
    CardStatus.FORMALLY_LOST,
    CardStatus.PIN_LOCKED,
)
# A card in the holder's hand and not blocked: it may be reported lost, and it turns expired
# on its expiry date (a blocked card stays blocked).
IN_HAND_STATUSES = frozenset({CardStatus.NORMAL, CardStatus.SEALED, CardStatus.PIN_LOCKED})


class Card(PersonOwned):
    number = models.CharField(max_length=9)
    identification_code = models.CharField(max_length=32)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="cards")
    issuing_region_code = models.CharField(max_length=6)
    issued_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    bank = models.ForeignKey("partners.Bank", null=True, blank=True, on_delete=models.PROTECT)
    account_number = models.CharField(max_length=32, blank=True)
    generation = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=24, choices=CardStatus.choices)
    bank_status = models.CharField(
        max_length=16, choices=BankStatus.choices, default=BankStatus.NOT_OPENED
    )
    # Copied from the effective temporary loss report so that a status lookup is one row read.
    lost_until = models.DateTimeField(null=True, blank=True)
    lapse_action = models.CharField(max_length=8, blank=True)
    lapse_unfreezes_bank = models.BooleanField(default=False)
    # The status a lifted or lapsed report gives back (normal, sealed or pin_locked).
    status_before_loss = models.CharField(max_length=24, blank=True)
    pin_hash = models.CharField(max_length=200, blank=True)
    wrong_pins = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            # The bucket last: the status lookup by number alone reads the index's prefix.
            models.UniqueConstraint(fields=["number", "bucket"], name="card_number_unique"),
            models.UniqueConstraint(
                fields=["identification_code", "bucket"], name="card_identification_code_unique"
            ),
            models.UniqueConstraint(
                fields=["person", "bucket"],
                condition=Q(status__in=[s.value for s in LIVE_STATUSES]),
                name="one_live_card_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(status="temporarily_lost") | Q(lost_until__isnull=False),
                name="temporary_loss_has_lapse_time",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "lost_until"], name="card_lapse_due"),
            # The sweep's expiries and reminders and the expiry report read cards in hand by
            # expiry date: only those rows are indexed (most cards of a province have long
            # been replaced or expired).
            models.Index(
                fields=["expires_on"],
                condition=Q(status__in=sorted(s.value for s in IN_HAND_STATUSES)),
                name="card_in_hand_expiry",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class LossKind(models.TextChoices):
    TEMPORARY = "temporary", "temporary"
    FORMAL = "formal", "formal (written)"


class LossStatus(models.TextChoices):
    EFFECTIVE = "effective", "effective"
    LIFTED = "lifted", "lifted"
    LAPSED = "lapsed", "lapsed"
    CLOSED = "closed", "closed: the card was cancelled"


class LossSides(models.TextChoices):
    BOTH = "both", "social-security and financial"
    SOCIAL = "social", "social-security application only"
    FINANCIAL = "financial", "financial application only"


class ReporterRelation(models.TextChoices):
    SELF = "self", "self"
    GUARDIAN = "guardian", "guardian"
    AGENT = "agent", "agent"


class LossReport(PersonOwned):
    """One loss of one card: temporary, possibly renewed, possibly converted to formal."""

    reference = models.CharField(max_length=20)
    card = models.ForeignKey(Card, on_delete=models.PROTECT, related_name="loss_reports")
    kind = models.CharField(max_length=10, choices=LossKind.choices)
    status = models.CharField(max_length=10, choices=LossStatus.choices)
    channel = models.CharField(max_length=10)
    sides = models.CharField(max_length=10, choices=LossSides.choices)
    froze_bank = models.BooleanField(default=False)
    reporter = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reporter_relation = models.CharField(max_length=10, choices=ReporterRelation.choices)
    documents = models.JSONField(default=list)
    outlet = models.ForeignKey("outlets.Outlet", null=True, blank=True, on_delete=models.PROTECT)
    effective_at = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)
    lapse_action = models.CharField(max_length=8, blank=True)
    renewals = models.PositiveSmallIntegerField(default=0)
    converted_at = models.DateTimeField(null=True, blank=True)
    reissue_applied_at = models.DateTimeField(null=True, blank=True)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)

    bucket_owner = "card"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "bucket"], name="loss_report_reference_unique"
            ),
            models.UniqueConstraint(
                fields=["card", "bucket"],
                condition=Q(status="effective"),
                name="one_effective_report_per_card",
            ),
            models.CheckConstraint(
                condition=~Q(kind="temporary", status="effective") | Q(expires_at__isnull=False),
                name="temporary_report_expires",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "expires_at"], name="report_lapse_due"),
            # Counting reports by status, kind and channel reads this index alone (metrics).
            models.Index(fields=["status", "kind", "channel"], name="report_counts"),
        ]

    def __str__(self) -> str:
        return self.reference

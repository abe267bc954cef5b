"""A call to the 12333 voice menu, kept by the telephony platform's call id while it runs and
afterwards for the agent who takes it over."""

from __future__ import annotations

import secrets

from django.db import models

REFERENCE_DIGITS = 10


def new_call_reference() -> str:
    """A random reference of ten digits: read aloud and keyed in easily, and not to be guessed
    from another call's."""
    return "".join(secrets.choice("0123456789") for _ in range(REFERENCE_DIGITS))


class Identity(models.TextChoices):
    NOT_CHECKED = "not_checked", "not checked"
    PASSED = "passed", "passed"
    FAILED = "failed", "failed"


class CallService(models.TextChoices):
    """What the caller chose in the card services menu."""

    REPORT_LOSS = "report_loss", "temporary loss report"
    CARD_STATUS = "card_status", "status of a card"
    APPLICATION = "application", "progress of an application"


class TransferReason(models.TextChoices):
    ASKED = "asked", "the caller pressed 0"
    FAILED_TRIES = "failed_tries", "three failed tries"
    IDENTITY = "identity", "the identity check cannot be done by keypad"
    REFUSED = "refused", "the menu cannot do what was asked"


class Call(models.Model):
    """One call. `id_number` is what the caller keyed in (shown masked); `person` is set once
    the identity check passed, and only then."""

    sid = models.CharField(max_length=64, unique=True)
    reference = models.CharField(max_length=16, unique=True, default=new_call_reference)
    language = models.CharField(max_length=8, blank=True)
    step = models.CharField(max_length=32, default="language")
    tries = models.PositiveSmallIntegerField(default=0)
    service = models.CharField(max_length=16, choices=CallService.choices, blank=True)
    id_number = models.CharField(max_length=18, blank=True)
    id_confirmed = models.BooleanField(default=False)
    identity = models.CharField(
        max_length=12, choices=Identity.choices, default=Identity.NOT_CHECKED
    )
    identity_checked_at = models.DateTimeField(null=True, blank=True)
    person = models.ForeignKey(
        "people.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    loss_report = models.ForeignKey(
        "cards.LossReport", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    transfer_reason = models.CharField(max_length=16, choices=TransferReason.choices, blank=True)
    transferred_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["started_at"], name="calls_call_started_idx")]

    def __str__(self) -> str:
        return f"Call {self.reference}"

    @property
    def ended(self) -> bool:
        return self.ended_at is not None

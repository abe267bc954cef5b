"""Staff bindings (a console user's role and outlet) and the PIN pad's requests."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from sscard.people.buckets import PersonOwned
from sscard.staff.roles import CONSOLE_PERMISSIONS, STAFF_ROLES

ROLE_CHOICES = [(role, role.replace("_", " ")) for role in STAFF_ROLES]


class StaffMember(models.Model):
    """A console user's role and the outlet they work at: every action is recorded as theirs,
    in this role, at this outlet."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_member"
    )
    role = models.CharField(max_length=24, choices=ROLE_CHOICES)
    outlet = models.ForeignKey("outlets.Outlet", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = "staff member"
        permissions = sorted(CONSOLE_PERMISSIONS.items())

    def __str__(self) -> str:
        return f"{self.user_id} {self.role} at {self.outlet_id}"


class PinPadPurpose(models.TextChoices):
    ACTIVATE = "activate", "activate the card"
    RESET = "reset", "reset the PIN"


class PinPadOutcome(models.TextChoices):
    PENDING = "pending", "waiting for the holder"
    DONE = "done", "done"
    REFUSED = "refused", "refused"
    CANCELLED = "cancelled", "cancelled"


class PinPadRequest(PersonOwned):
    """A PIN the holder types on the customer-facing PIN pad, for an activation or a reset the
    clerk has prepared. The PIN itself is never stored here: it goes straight to the card's
    service, which keeps only its hash. Only a hash of the pad's token is kept."""

    token_hash = models.CharField(max_length=64)
    member = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=8, choices=PinPadPurpose.choices)
    card = models.ForeignKey("cards.Card", on_delete=models.CASCADE, related_name="+")
    presenter = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    relation = models.CharField(max_length=10)
    documents = models.JSONField(default=list)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(
        max_length=10, choices=PinPadOutcome.choices, default=PinPadOutcome.PENDING
    )
    refusal_code = models.CharField(max_length=48, blank=True)
    refusal_detail = models.CharField(max_length=300, blank=True)

    # The card's holder's (the presenter may be a guardian).
    bucket_owner = "card"

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token_hash", "bucket"], name="pin_pad_token_unique")
        ]

    def __str__(self) -> str:
        return f"PIN pad {self.pk} ({self.purpose}, {self.outcome})"

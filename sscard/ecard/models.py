"""The electronic card, its signing keys and the payment codes already used."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from sscard.people.buckets import PersonOwned


class ElectronicCard(PersonOwned):
    """A person's electronic card, bound to one physical card (the one in their hand).

    At most one is in force per person; a revoked one stays as history.
    """

    serial = models.CharField(max_length=12)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="ecards")
    card = models.ForeignKey("cards.Card", on_delete=models.PROTECT, related_name="ecards")
    issued_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["serial", "bucket"], name="ecard_serial_unique"),
            models.UniqueConstraint(
                fields=["person", "bucket"],
                condition=Q(revoked_at__isnull=True),
                name="ecard_one_in_force",
            ),
        ]

    def __str__(self) -> str:
        return self.serial

    @property
    def in_force(self) -> bool:
        return self.revoked_at is None


class SigningKey(models.Model):
    """An Ed25519 key that signs codes. The private half is kept encrypted under a key derived
    from SECRET_KEY; the newest key not retired signs, retired ones still verify for a while."""

    kid = models.CharField(max_length=16, unique=True)
    public_key = models.CharField(max_length=64)  # base64url of the raw 32 bytes
    private_key_encrypted = models.BinaryField()
    created_at = models.DateTimeField()
    retired_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.kid


class UsedCode(models.Model):
    """A payment code already accepted: its nonce, kept until the code would have expired."""

    nonce = models.CharField(max_length=32, unique=True)
    expires_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return self.nonce

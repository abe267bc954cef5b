"""Banks, the API's clients and their scopes, and citizens' bearer tokens (kept as hashes)."""

from __future__ import annotations

from django.db import models

from sscard.people.buckets import PersonOwned


class Bank(models.Model):
    """A co-operating bank: opens the financial application and produces cards."""

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=100)
    webhook_url = models.URLField(blank=True)
    webhook_secret = models.CharField(max_length=128, blank=True)

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Scope(models.TextChoices):
    CARDS_VERIFY = "cards:verify", "check whether a card is usable"
    CARDS_READ = "cards:read", "read cards"
    LOSS_REPORT = "loss:report", "report a card lost"
    LOSS_LIFT = "loss:lift", "lift a loss report"
    APPLICATIONS_READ = "applications:read", "read card applications"
    APPLICATIONS_WRITE = "applications:write", "apply for cards"
    PRODUCTION_WRITE = "production:write", "record production events"
    CARDS_ACTIVATE = "cards:activate", "activate cards"
    PINS_VERIFY = "pins:verify", "verify PINs"
    PINS_RESET = "pins:reset", "reset PINs"
    PERSONS_READ = "persons:read", "read persons unmasked"
    PERSONS_WRITE = "persons:write", "record persons"
    OUTLETS_READ = "outlets:read", "read outlets"
    RECORDS_READ = "records:read", "read payment and rights records"
    RECORDS_WRITE = "records:write", "book contribution records"


class ApiClient(models.Model):
    """A partner system or staff integration calling the API with one bearer token.

    Only the SHA-256 of the token is kept: tokens are long random strings, so a fast hash is
    safe and keeps the lookup on every request cheap.
    """

    name = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    outlet = models.ForeignKey(
        "outlets.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    bank = models.ForeignKey(Bank, null=True, blank=True, on_delete=models.PROTECT)
    token_hash = models.CharField(max_length=64, unique=True)
    token_prefix = models.CharField(max_length=12)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "API client"

    def __str__(self) -> str:
        return self.name


class CitizenToken(PersonOwned):
    """A citizen's bearer token from the one-time-code sign-in of the app. Hash only."""

    person = models.ForeignKey("people.Person", on_delete=models.CASCADE, related_name="+")
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token_hash", "bucket"], name="citizen_token_unique")
        ]

    def __str__(self) -> str:
        return f"citizen token {self.pk}"

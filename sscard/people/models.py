"""Insured persons, their guardianships (with the legal basis and how one ends) and the one-time
codes sent to them."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q

from sscard.people.buckets import PersonOwned


class Sex(models.TextChoices):
    MALE = "M", "male"
    FEMALE = "F", "female"


class Relation(models.TextChoices):
    PARENT = "parent", "parent"
    LEGAL_GUARDIAN = "legal_guardian", "legal guardian"


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


# Lower-case letters and digits that cannot be mistaken for one another when read aloud.
REFERENCE_ALPHABET = "23456789abcdefghjkmnpqrstuvwxyz"
REFERENCE_LENGTH = 12


def new_person_reference() -> str:
    """A random name for a person in addresses (the console's pages): 31^12 of them, so one
    cannot be guessed from another, unlike the sequential primary key."""
    return "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(REFERENCE_LENGTH))


class Person(PersonOwned):
    """An insured person. The social security number is the citizen ID number. The bucket is
    the ID number's keyed hash when the person is recorded (`buckets.bucket_of`), kept when the
    number is corrected."""

    reference = models.CharField(max_length=16, default=new_person_reference, editable=False)
    social_security_number = models.CharField(max_length=18)
    name = models.CharField(max_length=60)
    sex = models.CharField(max_length=1, choices=Sex.choices)
    birth_date = models.DateField()
    region_code = models.CharField(max_length=6)
    phone = models.CharField(max_length=20, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=200, blank=True)
    language = models.CharField(max_length=8, choices=Language.choices, default=Language.ZH_HANS)
    created_at = models.DateTimeField()

    bucket_owner = None

    class Meta:
        verbose_name_plural = "people"
        # The bucket last in each key: a lookup by the identifier alone reads the index's
        # prefix (docs/scale-out.md section 9).
        constraints = [
            models.UniqueConstraint(fields=["reference", "bucket"], name="person_reference_unique"),
            models.UniqueConstraint(
                fields=["social_security_number", "bucket"], name="person_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(bucket__gte=0, bucket__lt=4096), name="person_bucket_in_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Person {self.pk}"


class GuardianshipBasis(models.TextChoices):
    """Why a guardian acts for the ward (Civil Code art. 17, 21-31)."""

    MINOR = "minor", "the ward is a minor (Civil Code art. 27)"
    COURT_FINDING = (
        "court_finding",
        "a court found the ward without or with limited capacity (Civil Code art. 24, 28)",
    )
    DESIGNATION = "designation", "designated guardian (Civil Code art. 29-31)"


class GuardianshipEnd(models.TextChoices):
    """Why a guardianship was ended at a window (Civil Code art. 36, 39)."""

    CAPACITY_RESTORED = "capacity_restored", "the ward's capacity is restored"
    GUARDIAN_REMOVED = "guardian_removed", "a court removed the guardian"
    GUARDIAN_UNABLE = "guardian_unable", "the guardian can no longer act"
    DEATH = "death", "the guardian or the ward died"
    RECORDED_IN_ERROR = "recorded_in_error", "recorded in error"
    SUPERSEDED = "superseded", "replaced by a new record for the same guardian"


class Guardianship(PersonOwned):
    """A guardian who may act for the ward, on a legal basis.

    Whether it is in force on a day is decided in one place, `selectors.guardianships_in_force`:
    a guardianship of a minor ends when the ward turns 18; any ends on its `ends_on` (the first
    day it no longer holds) or when ended at a window (`ended_at`, `end_reason`).
    """

    guardian = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="wardships")
    ward = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="guardianships")
    relation = models.CharField(max_length=16, choices=Relation.choices)
    basis = models.CharField(
        max_length=16, choices=GuardianshipBasis.choices, default=GuardianshipBasis.MINOR
    )
    # The reference of the court's judgment or the designation (e.g. "(2024)粤0106民特123号").
    document = models.CharField(max_length=100, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.CharField(max_length=24, choices=GuardianshipEnd.choices, blank=True)

    bucket_owner = "ward"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["guardian", "ward", "bucket"],
                condition=Q(ended_at__isnull=True),
                name="one_open_guardianship_per_pair",
            ),
            models.CheckConstraint(condition=~Q(guardian=F("ward")), name="guardian_is_not_ward"),
            models.CheckConstraint(
                condition=Q(basis=GuardianshipBasis.MINOR) | ~Q(document=""),
                name="guardianship_of_adult_has_document",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, end_reason="")
                | (Q(ended_at__isnull=False) & ~Q(end_reason="")),
                name="guardianship_end_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.guardian_id} {self.relation} of {self.ward_id} ({self.basis})"


class CodePurpose(models.TextChoices):
    SIGN_IN = "sign_in", "sign in"
    CONFIRM = "confirm", "confirm a sensitive action"


class OneTimeCode(PersonOwned):
    """A code sent by SMS to sign in or to confirm an action. Only a keyed hash is kept."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=16, choices=CodePurpose.choices)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    tries = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["person", "purpose", "-created_at"], name="otp_latest")]

    def __str__(self) -> str:
        return f"code {self.pk} ({self.purpose})"

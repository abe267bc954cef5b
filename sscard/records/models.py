"""Payment and rights records (DOMAIN.md section 11).

sscard does not collect contributions: the agency's core system books them, and sends them here
as monthly batch files and API calls. A record's key is person + insurance + month + employer;
the row in `ContributionRecord` is its current version, and every earlier version is kept in
`ContributionVersion`. Rates, base limits and the pension interest rates are data (seeded by
the migration `0002_seed_rates`).
"""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import F, Q

from sscard.people.buckets import PersonOwned
from sscard.people.models import REFERENCE_ALPHABET


class Insurance(models.TextChoices):
    PENSION = "pension", "pension"
    MEDICAL = "medical", "medical"
    UNEMPLOYMENT = "unemployment", "unemployment"
    WORK_INJURY = "work_injury", "work injury"
    MATERNITY = "maternity", "maternity"


# Work injury and maternity are paid by the employer alone.
WITHOUT_INDIVIDUAL_PART = frozenset({Insurance.WORK_INJURY, Insurance.MATERNITY})


class RecordStatus(models.TextChoices):
    PAID = "paid", "paid"
    OWED = "owed", "owed"
    BACK_PAID = "back_paid", "back paid"


# The statuses that count as paid: months paid, personal account credits.
PAID_STATUSES = frozenset({RecordStatus.PAID, RecordStatus.BACK_PAID})


class Employer(models.Model):
    """An employer, known by its unified social credit code (GB 32100-2015)."""

    credit_code = models.CharField(max_length=18, unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.credit_code} {self.name}"


class ContributionRecord(PersonOwned):
    """The current version of one month's contribution of a person to one insurance, through
    one employer. `month` is the first day of the month."""

    # No index of its own: the key's unique index begins with the person (one index less
    # to write for each of millions of records).
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    insurance = models.CharField(max_length=16, choices=Insurance.choices)
    month = models.DateField()
    employer = models.ForeignKey(Employer, on_delete=models.PROTECT, related_name="+")
    base = models.DecimalField(max_digits=12, decimal_places=2)
    employer_amount = models.DecimalField(max_digits=12, decimal_places=2)
    individual_amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=12, choices=RecordStatus.choices)
    paid_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    booked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                # The bucket in the padding after the month: the smallest index of the
                # places it may take (docs/scale-out.md section 8), and the person and month
                # still lead.
                fields=["person", "month", "bucket", "insurance", "employer"],
                name="one_contribution_per_key",
            ),
            models.CheckConstraint(
                condition=Q(base__gte=0, employer_amount__gte=0, individual_amount__gte=0),
                name="record_amounts_not_negative",
            ),
            models.CheckConstraint(
                condition=~Q(insurance__in=sorted(WITHOUT_INDIVIDUAL_PART))
                | Q(individual_amount=0),
                name="record_individual_part_only_where_there_is_one",
            ),
            models.CheckConstraint(condition=Q(version__gte=1), name="record_version_positive"),
        ]

    def __str__(self) -> str:
        return f"record {self.pk} {self.insurance} {self.month:%Y-%m} v{self.version}"


class ContributionVersion(PersonOwned):
    """An earlier version of a record, kept when a later one replaced it."""

    record = models.ForeignKey(ContributionRecord, on_delete=models.CASCADE, related_name="history")
    version = models.PositiveIntegerField()
    base = models.DecimalField(max_digits=12, decimal_places=2)
    employer_amount = models.DecimalField(max_digits=12, decimal_places=2)
    individual_amount = models.DecimalField(max_digits=12, decimal_places=2)
    status = models.CharField(max_length=12, choices=RecordStatus.choices)
    paid_on = models.DateField(null=True, blank=True)
    booked_at = models.DateTimeField()
    replaced_at = models.DateTimeField()

    bucket_owner = "record"

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["record", "version", "bucket"], name="one_row_per_version"
            )
        ]

    def __str__(self) -> str:
        return f"record {self.record_id} v{self.version}"


class ContributionRate(models.Model):
    """Rates of one insurance in a region (a region-code prefix; the empty one is the national
    default) from a year on: the employer's and the individual's share of the base."""

    region_prefix = models.CharField(max_length=6, blank=True)
    year = models.PositiveSmallIntegerField()
    insurance = models.CharField(max_length=16, choices=Insurance.choices)
    employer_rate = models.DecimalField(max_digits=6, decimal_places=4)
    individual_rate = models.DecimalField(max_digits=6, decimal_places=4)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["region_prefix", "year", "insurance"], name="one_rate_per_region_year"
            ),
            models.CheckConstraint(
                condition=Q(employer_rate__gte=0, employer_rate__lt=1)
                & Q(individual_rate__gte=0, individual_rate__lt=1),
                name="rate_is_a_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_prefix or '*'} {self.year} {self.insurance}"


class BaseLimit(models.Model):
    """The lowest and highest contribution base of a region in a year: 60 % and 300 % of the
    region's average wage of the previous year (policy)."""

    region_prefix = models.CharField(max_length=6, blank=True)
    year = models.PositiveSmallIntegerField()
    lower = models.DecimalField(max_digits=12, decimal_places=2)
    upper = models.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["region_prefix", "year"], name="one_limit_per_year"),
            models.CheckConstraint(
                condition=Q(lower__gt=0, upper__gte=F("lower")), name="limit_lower_below_upper"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_prefix or '*'} {self.year} {self.lower}-{self.upper}"


class PensionInterestRate(models.Model):
    """The nationally announced interest rate of pension personal accounts for a year."""

    year = models.PositiveSmallIntegerField(unique=True)
    rate = models.DecimalField(max_digits=6, decimal_places=4)

    def __str__(self) -> str:
        return f"{self.year} {self.rate:%}"


def new_reference(prefix: str) -> str:
    return prefix + "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(10)).upper()


def new_authorisation_reference() -> str:
    return new_reference("AU")


def new_dispute_reference() -> str:
    return new_reference("RD")


class Authorisation(PersonOwned):
    """A person's written authorisation for another person to read their records: which
    insurances, from which day (`starts_on`) until the first day it no longer holds
    (`ends_on`), on which document. Recorded and ended by window clerks. Whether it is in force
    is decided in one place, `selectors.authorisations_in_force`."""

    reference = models.CharField(max_length=16, default=new_authorisation_reference)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="records_authorisations"
    )
    authorised = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="records_authorised"
    )
    insurances = models.JSONField(default=list)
    starts_on = models.DateField()
    ends_on = models.DateField()
    document = models.CharField(max_length=100)
    created_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reference", "bucket"], name="authorisation_reference_unique"
            ),
            models.CheckConstraint(
                condition=~Q(person=F("authorised")), name="authorised_is_not_the_person"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gt=F("starts_on")), name="authorisation_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"authorisation {self.reference}"


class DisputeStatus(models.TextChoices):
    OPEN = "open", "open"
    CORRECTED = "corrected", "checked and corrected"
    CONFIRMED = "confirmed", "checked and confirmed as recorded"


class Dispute(PersonOwned):
    """A person disputes a month's record; the agency answers within 15 working days. Opened
    online, by phone or at a window (`outlet`: the window's outlet)."""

    reference = models.CharField(max_length=16, default=new_dispute_reference)
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    insurance = models.CharField(max_length=16, choices=Insurance.choices)
    month = models.DateField()
    employer = models.ForeignKey(
        Employer, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=500)
    channel = models.CharField(max_length=16)
    # The outlet whose window opened it (none when opened online or by phone).
    outlet = models.ForeignKey(
        "outlets.Outlet", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        max_length=12, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    opened_at = models.DateTimeField()
    answer_due = models.DateField()
    answered_at = models.DateTimeField(null=True, blank=True)
    answer = models.CharField(max_length=1000, blank=True)
    # Who answered (a staff user name: the audit event says the same), and the record the
    # answer corrected with the version it booked (none when confirmed, or when the core
    # system had already booked the correction).
    answered_by = models.CharField(max_length=150, blank=True)
    corrected_record = models.ForeignKey(
        ContributionRecord, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    corrected_version = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["reference", "bucket"], name="dispute_reference_unique")
        ]
        indexes = [models.Index(fields=["status", "answer_due"], name="dispute_queue")]

    def __str__(self) -> str:
        return f"dispute {self.reference}"


class RecordImport(models.Model):
    """One batch file being imported, known by the SHA-256 of its bytes: the checkpoint of the
    last line committed (`lines_done`) and the counts so far, so that an import stopped midway
    goes on from there and a file imported again is recognised."""

    file_hash = models.CharField(max_length=64, unique=True)
    file_name = models.CharField(max_length=255)
    format = models.CharField(max_length=8)
    encoding = models.CharField(max_length=16)
    lines_done = models.PositiveBigIntegerField(default=0)
    created = models.PositiveBigIntegerField(default=0)
    replaced = models.PositiveBigIntegerField(default=0)
    unchanged = models.PositiveBigIntegerField(default=0)
    rejected = models.PositiveBigIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"import {self.file_name} ({self.file_hash[:8]})"


class ImportRejection(models.Model):
    """A line of an import file that was rejected, with its reasons."""

    file = models.ForeignKey(RecordImport, on_delete=models.CASCADE, related_name="rejections")
    line = models.PositiveBigIntegerField()
    errors = models.JSONField(default=list)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["file", "line"], name="one_rejection_per_line")
        ]

    def __str__(self) -> str:
        return f"line {self.line} of {self.file_id}"


class StatementStatus(models.TextChoices):
    PENDING = "pending", "pending"
    MADE = "made", "made"
    NOTIFIED = "notified", "notified"


class YearlyStatement(PersonOwned):
    """A person's statement of a year in the yearly run (`sscard records statements`): pending
    when the run is queued, made when its figures are drawn (their digest kept: the PDF itself
    is made on demand, `statements`), notified when the message that it is ready is in the
    outbox. The row is the state: a run stopped midway goes on from it, and the step to
    notified writes the message in the same transaction, so nobody is told twice."""

    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    status = models.CharField(
        max_length=10, choices=StatementStatus.choices, default=StatementStatus.PENDING
    )
    digest = models.CharField(max_length=16, blank=True)
    queued_at = models.DateTimeField()
    made_at = models.DateTimeField(null=True, blank=True)
    notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["person", "year", "bucket"], name="one_statement_per_year"
            )
        ]
        indexes = [models.Index(fields=["year", "status"], name="statement_run")]

    def __str__(self) -> str:
        return f"statement {self.year} of person {self.person_id} ({self.status})"

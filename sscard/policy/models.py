"""Regional policies: the rules of DOMAIN.md section 8 for one region-code prefix."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q


class LapseAction(models.TextChoices):
    RELEASE = "release", "release the card to normal"
    CANCEL = "cancel", "cancel the card"


class ValidityUnit(models.TextChoices):
    CALENDAR_DAYS = "calendar_days", "calendar days"
    WORKING_DAYS = "working_days", "working days"


def default_expiry_reminder_days() -> list[int]:
    """Reminders of a card's expiry: 90 and 30 days ahead."""
    return [90, 30]


def validate_reminder_days(value: object) -> None:
    if not isinstance(value, list) or not all(
        isinstance(days, int) and not isinstance(days, bool) and 1 <= days <= 365 for days in value
    ):
        raise ValidationError("A list of whole numbers of days, each from 1 to 365.")


class RegionalPolicy(models.Model):
    """The rules of DOMAIN.md section 8 for one issuing region (a region-code prefix).

    The empty prefix is the default; the longest prefix that matches a region code applies.
    """

    region_prefix = models.CharField(max_length=6, unique=True, blank=True)
    name = models.CharField(max_length=100)
    temporary_validity = models.PositiveSmallIntegerField(default=7)
    temporary_validity_unit = models.CharField(
        max_length=16, choices=ValidityUnit.choices, default=ValidityUnit.CALENDAR_DAYS
    )
    on_temporary_lapse = models.CharField(
        max_length=8, choices=LapseAction.choices, default=LapseAction.RELEASE
    )
    formal_report_required = models.BooleanField(default=True)
    linked_loss_reporting = models.BooleanField(default=True)
    reissue_fee = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("20.00"))
    replacement_fee = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal("0.00"))
    batch_production_working_days = models.PositiveSmallIntegerField(default=15)
    uncollected_lapse_days = models.PositiveSmallIntegerField(default=365)
    wrong_pins_before_lock = models.PositiveSmallIntegerField(default=6)
    age_acting_alone = models.PositiveSmallIntegerField(default=16)
    card_validity_years = models.PositiveSmallIntegerField(default=10)
    # How many days before a card expires its holder is reminded, and from when it is renewed
    # online.
    expiry_reminder_days = models.JSONField(
        default=default_expiry_reminder_days, validators=[validate_reminder_days]
    )
    renewal_window_days = models.PositiveSmallIntegerField(default=90)
    # Whether a loss report on the physical card also blocks the electronic card (section 12).
    ecard_blocked_by_loss = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "regional policies"
        constraints = [
            models.CheckConstraint(
                condition=Q(temporary_validity__gte=1, temporary_validity__lte=30),
                name="policy_temporary_validity_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    reissue_fee__gte=0,
                    reissue_fee__lte=100,
                    replacement_fee__gte=0,
                    replacement_fee__lte=100,
                ),
                name="policy_fee_range",
            ),
            models.CheckConstraint(
                condition=Q(wrong_pins_before_lock__gte=1, wrong_pins_before_lock__lte=10),
                name="policy_wrong_pins_range",
            ),
            models.CheckConstraint(
                condition=Q(age_acting_alone__gte=14, age_acting_alone__lte=18),
                name="policy_age_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    batch_production_working_days__gte=1, batch_production_working_days__lte=60
                ),
                name="policy_batch_days_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    uncollected_lapse_days__gte=30,
                    card_validity_years__gte=1,
                    card_validity_years__lte=20,
                ),
                name="policy_periods_range",
            ),
            models.CheckConstraint(
                condition=Q(renewal_window_days__gte=1, renewal_window_days__lte=365),
                name="policy_renewal_window_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_prefix or '*'} {self.name}"

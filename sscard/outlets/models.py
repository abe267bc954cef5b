"""Outlets: their types, the services they offer and their opening hours."""

from __future__ import annotations

from django.db import models


class OutletType(models.TextChoices):
    COMMUNITY_COMMITTEE = "community_committee", "community (village) committee"
    SUBDISTRICT_OFFICE = "subdistrict_office", "sub-district office / township government"
    SOCIAL_INSURANCE_AGENCY = "social_insurance_agency", "social insurance agency"
    HRSS_BUREAU = "hrss_bureau", "human resources and social security bureau"
    BANK_OUTLET = "bank_outlet", "bank outlet"
    SELF_SERVICE_TERMINAL = "self_service_terminal", "self-service terminal"


class Service(models.TextChoices):
    INTAKE = "intake", "preliminary intake"
    TEMPORARY_LOSS_REPORT = "temporary_loss_report", "temporary loss report"
    FORMAL_LOSS_REPORT = "formal_loss_report", "formal loss report"
    LIFT = "lift", "lifting a loss report"
    REISSUE = "reissue", "reissue and replacement"
    INSTANT_ISSUANCE = "instant_issuance", "instant issuance"
    COLLECTION = "collection", "collection"
    ACTIVATION = "activation", "activation"
    PIN_RESET = "pin_reset", "PIN reset and unlock"
    INQUIRY = "inquiry", "inquiry"


class Outlet(models.Model):
    """A place where card business is done.

    `hours` maps ISO weekday numbers ("1" = Monday) to lists of ["HH:MM", "HH:MM"] spans.
    """

    code = models.CharField(max_length=16, unique=True)
    name = models.CharField(max_length=120)
    type = models.CharField(max_length=32, choices=OutletType.choices)
    address = models.CharField(max_length=200)
    region_code = models.CharField(max_length=6)
    lat = models.FloatField()
    lon = models.FloatField()
    phone = models.CharField(max_length=20, blank=True)
    hours = models.JSONField(default=dict)
    services = models.JSONField(default=list)
    bank = models.ForeignKey("partners.Bank", null=True, blank=True, on_delete=models.PROTECT)
    active = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["region_code"]), models.Index(fields=["type"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(lat__gte=-90, lat__lte=90, lon__gte=-180, lon__lte=180),
                name="outlet_coordinates_range",
            ),
            models.CheckConstraint(
                condition=~models.Q(type="bank_outlet") | models.Q(bank__isnull=False),
                name="bank_outlet_has_bank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def offers(self, service: str) -> bool:
        return service in self.services

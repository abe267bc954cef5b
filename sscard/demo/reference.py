"""Banks, outlets and regional policies of the Guangzhou demo, written in place by code."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from sscard.demo import guangzhou as gz
from sscard.outlets.models import Outlet
from sscard.partners.models import Bank
from sscard.policy.models import LapseAction, RegionalPolicy, ValidityUnit

DEFAULT_POLICY_NAME = "National default (DOMAIN.md section 8)"
TIANHE_POLICY: dict[str, Any] = {
    "name": "天河区: stricter temporary reports, higher reissue fee",
    "temporary_validity": 3,
    "temporary_validity_unit": ValidityUnit.WORKING_DAYS,
    "on_temporary_lapse": LapseAction.CANCEL,
    "reissue_fee": Decimal("30.00"),
    "wrong_pins_before_lock": 3,
    "age_acting_alone": 18,
}
RULE_FIELDS = (
    "temporary_validity",
    "temporary_validity_unit",
    "on_temporary_lapse",
    "formal_report_required",
    "linked_loss_reporting",
    "reissue_fee",
    "replacement_fee",
    "batch_production_working_days",
    "uncollected_lapse_days",
    "wrong_pins_before_lock",
    "age_acting_alone",
    "card_validity_years",
)


def _defaults() -> dict[str, Any]:
    fields = {f.name: f for f in RegionalPolicy._meta.concrete_fields}
    return {name: fields[name].get_default() for name in RULE_FIELDS}


@transaction.atomic
def load_reference_data() -> dict[str, int]:
    banks = {}
    for spec in gz.BANKS:
        bank, _ = Bank.objects.update_or_create(code=spec.code, defaults={"name": spec.name})
        banks[spec.code] = bank
    for outlet in gz.OUTLETS:
        Outlet.objects.update_or_create(
            code=outlet.code,
            defaults={
                "name": outlet.name,
                "type": outlet.type,
                "address": outlet.address,
                "region_code": outlet.district,
                "lat": outlet.lat,
                "lon": outlet.lon,
                "phone": outlet.phone,
                "hours": outlet.hours,
                "services": outlet.services,
                "bank": banks[outlet.bank] if outlet.bank else None,
                "active": True,
            },
        )
    default, created = RegionalPolicy.objects.get_or_create(
        region_prefix="", defaults={"name": DEFAULT_POLICY_NAME, **_defaults()}
    )
    if not created:
        for name, value in _defaults().items():
            setattr(default, name, value)
        default.save()
    RegionalPolicy.objects.update_or_create(
        region_prefix="440106", defaults={**_defaults(), **TIANHE_POLICY}
    )
    return {"banks": len(gz.BANKS), "outlets": len(gz.OUTLETS), "policies": 2}

"""Shared helpers of the records tests: valid employers' credit codes, records in the API's
shape, the seeded rates (which transactional tests flush)."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps
from stdnum.cn import uscc

from sscard.people.models import Person


def credit_code(n: int, region: str = "440106") -> str:
    """A valid unified social credit code of a company registered in `region`."""
    body = f"91{region}MA{n:07d}"
    return body + uscc.calc_check_digit(body)


def with_a_wrong_check_character(code: str) -> str:
    return code[:-1] + ("1" if code[-1] == "0" else "0")


def record(
    person: Person | str,
    *,
    insurance: str = "pension",
    month: str = "2024-03",
    employer: int = 1,
    base: str = "8000.00",
    employer_amount: str | None = None,
    individual_amount: str | None = None,
    status: str = "paid",
    paid_on: str | None = "2024-03-15",
    **extra: Any,
) -> dict[str, Any]:
    """A record as the core system sends it: pension at 16 % + 8 % of the base by default."""
    number = person if isinstance(person, str) else person.social_security_number
    if employer_amount is None:
        employer_amount = f"{float(base) * 0.16:.2f}"
    if individual_amount is None:
        individual_amount = (
            "0.00" if insurance in ("work_injury", "maternity") else f"{float(base) * 0.08:.2f}"
        )
    body: dict[str, Any] = {
        "social_security_number": number,
        "insurance": insurance,
        "month": month,
        "employer": {"name": f"广州测试{employer}有限公司", "credit_code": credit_code(employer)},
        "base": {"amount": base, "currency": "CNY"},
        "employer_amount": {"amount": employer_amount, "currency": "CNY"},
        "individual_amount": {"amount": individual_amount, "currency": "CNY"},
        "status": status,
        "paid_on": paid_on,
    }
    body.update(extra)
    return body


def seed_rates() -> None:
    """The rates and limits of the migration `records.0002_seed_rates`, again (a transactional
    test's flush removes them)."""
    migration = importlib.import_module("sscard.records.migrations.0002_seed_rates")
    migration.seed(apps, None)

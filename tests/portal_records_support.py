"""What the portal's records tests share: a person's year of records booked through the records
service (`book_contributions`, as the core system's operators do), with a job change, a month
without a record and an owed month; and a written authorisation recorded at a window."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sscard.common.context import Actor, Channel, Role
from sscard.people.models import Person
from sscard.records.models import Authorisation
from sscard.records.permissions import Reader
from sscard.records.services import book_contributions, record_authorisation
from tests.records_support import credit_code, record

OPERATOR = Reader(
    actor=Actor(kind="operator", id="cli:ops", role=Role.ADMIN, channel=Channel.SYSTEM)
)
WINDOW = Actor(
    kind="staff", id="window-1", role=Role.WINDOW_CLERK, channel=Channel.WINDOW, outlet_code="A1"
)
# The bureau's supervisor answers any dispute (a window clerk answers those of their outlet and
# region: `records.permissions.disputes_seen_by`).
SUPERVISOR = Actor(
    kind="staff", id="supervisor-1", role=Role.SUPERVISOR, channel=Channel.WINDOW,
    outlet_code="HR1",
)  # fmt: skip
YEAR = 2025
GAP_MONTH = 4  # no record in April
OWED_MONTH = 9  # September owed
SECOND_EMPLOYER_FROM = 7  # a job change in July; June has both employers


def book(*records: dict[str, Any]) -> None:
    result = book_contributions(reader=OPERATOR, records=list(records), source="test")
    assert not result.rejected, result.rejected


def employer_name(n: int) -> str:
    return f"广州测试{n}有限公司"


def a_year_of_records(
    person: Person, *, year: int = YEAR, insurances: tuple[str, ...] = ("pension", "medical")
) -> None:
    """Twelve months of each insurance but April; September owed; employer 1 until June,
    employer 2 from June (June has both)."""
    rows = []
    for insurance in insurances:
        base = "8000.00"
        for month in range(1, 13):
            if month == GAP_MONTH:
                continue
            owed = month == OWED_MONTH
            employers = [1] if month < 6 else [1, 2] if month == 6 else [2]
            for n in employers:
                amounts: dict[str, Any] = {}
                if insurance == "medical":
                    amounts = {"employer_amount": "640.00", "individual_amount": "160.00"}
                rows.append(
                    record(
                        person,
                        insurance=insurance,
                        month=f"{year}-{month:02d}",
                        employer=n,
                        base=base,
                        status="owed" if owed else "paid",
                        paid_on=None if owed else f"{year}-{month:02d}-15",
                        **amounts,
                    )
                )
    book(*rows)


def authorise(
    person: Person,
    authorised: Person,
    *,
    insurances: tuple[str, ...] = ("pension",),
    starts_on: dt.date,
    ends_on: dt.date,
) -> Authorisation:
    return record_authorisation(
        actor=WINDOW,
        person=person,
        authorised=authorised,
        insurances=list(insurances),
        starts_on=starts_on,
        ends_on=ends_on,
        document="委托书 2026-01",
    )


__all__ = ["credit_code"]

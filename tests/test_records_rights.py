"""Rights computed from records (DOMAIN.md section 11): months paid (total, longest and current
run), the pension personal account with the yearly interest at the announced rates, the medical
personal account; written authorisations and disputes recorded, refused and audited."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from sscard.audit.models import AuditEvent
from sscard.common.clock import frozen_at
from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import DomainError, ErrorCode
from sscard.people.models import Person
from sscard.policy.selectors import add_working_days
from sscard.records.booking import book
from sscard.records.feeds import check_records
from sscard.records.models import Dispute
from sscard.records.permissions import Reader
from sscard.records.selectors import medical_account, months_paid, pension_account
from sscard.records.services import (
    answer_dispute,
    end_authorisation,
    open_dispute,
    record_authorisation,
)
from tests.factories import make_outlet, make_person, nothing_changes
from tests.records_support import record

pytestmark = pytest.mark.django_db


def _book(*records: dict[str, object]) -> None:
    checked = check_records(list(records))
    assert not checked.rejected, checked.rejected
    book([c for _, c in checked.valid], actor=Actor.system(), source="test")


def _months(first: str, n: int) -> list[str]:
    year, month = map(int, first.split("-"))
    out = []
    for i in range(n):
        index = year * 12 + month - 1 + i
        out.append(f"{index // 12}-{index % 12 + 1:02d}")
    return out


def test_months_paid_count_paid_and_back_paid_months_once_and_their_runs() -> None:
    person = make_person()
    # 2023-01..2023-12 paid, 2024-01 owed, 2024-02 back paid, 2024-03..04 paid; 2024-06 paid
    # with two employers (one month).
    _book(
        *(record(person, month=m) for m in _months("2023-01", 12)),
        record(person, month="2024-01", status="owed", paid_on=None),
        record(person, month="2024-02", status="back_paid", paid_on="2024-05-10"),
        *(record(person, month=m) for m in _months("2024-03", 2)),
        record(person, month="2024-06"),
        record(person, month="2024-06", employer=2),
    )

    with frozen_at(dt.datetime(2024, 7, 10, tzinfo=dt.UTC)):
        pension = months_paid(person)[0]
    with frozen_at(dt.datetime(2024, 9, 10, tzinfo=dt.UTC)):
        later = months_paid(person)[0]

    assert (pension.insurance, pension.total, pension.longest, pension.current) == (
        "pension",
        16,
        12,
        1,
    )
    assert (pension.first, pension.last) == (dt.date(2023, 1, 1), dt.date(2024, 6, 1))
    assert later.current == 0  # the payments stopped


def test_the_pension_account_earns_the_announced_interest_once_a_year() -> None:
    person = make_person()
    # 12 months of 2022 and 12 of 2023 at a base of 10,000: 800 a month credited.
    _book(*(record(person, month=m, base="10000.00", paid_on=None) for m in _months("2022-01", 24)))

    with frozen_at(dt.datetime(2024, 6, 1, tzinfo=dt.UTC)):
        account = pension_account(person)

    y2022, y2023, y2024 = account.years
    # 2022 at 6.12 %: the year's credits earn half a year's interest.
    assert (y2022.opening, y2022.credits, y2022.rate) == (
        Decimal("0.00"),
        Decimal("9600.00"),
        Decimal("0.0612"),
    )
    assert y2022.interest == Decimal("293.76")  # 9600 × 6.12 % / 2
    # 2023 at 3.97 %: the opening balance a whole year's, the credits half a year's.
    assert y2023.opening == Decimal("9893.76")
    assert y2023.interest == Decimal("583.34")  # 9893.76 × 3.97 % + 9600 × 3.97 % / 2
    # 2024 is not over: no interest yet.
    assert (y2024.credits, y2024.rate, y2024.interest) == (Decimal("0.00"), None, Decimal("0"))
    assert account.balance == Decimal("20077.10")


def test_the_medical_account_is_the_sum_of_its_credits_by_year() -> None:
    person = make_person()
    _book(
        *(
            record(
                person,
                month=m,
                insurance="medical",
                employer_amount="560.00",
                individual_amount="160.00",
            )
            for m in _months("2023-11", 4)
        ),
        record(
            person,
            month="2024-03",
            insurance="medical",
            status="owed",
            paid_on=None,
            employer_amount="560.00",
            individual_amount="160.00",
        ),
    )

    with frozen_at(dt.datetime(2024, 6, 1, tzinfo=dt.UTC)):
        account = medical_account(person)

    assert [(y.year, y.credits, y.closing) for y in account.years] == [
        (2023, Decimal("320.00"), Decimal("320.00")),
        (2024, Decimal("320.00"), Decimal("640.00")),
    ]


# ---------------------------------------------------------------- authorisations


def _staff(role: str) -> Actor:
    return Actor(kind="staff", id=f"{role}-1", role=role, channel=Channel.WINDOW, outlet_code="A1")


def _citizen(person: Person) -> Reader:
    return Reader(
        actor=Actor(kind="citizen", id=f"person:{person.pk}", role=Role.CITIZEN, channel="app"),
        person=person,
    )


def _authorise(actor: Actor, **changes: object):
    holder, friend = make_person(), make_person()
    terms: dict[str, object] = {
        "person": holder,
        "authorised": friend,
        "insurances": ["pension", "medical"],
        "starts_on": dt.date(2030, 1, 1),
        "ends_on": dt.date(2030, 7, 1),
        "document": "委托书 2030-01",
    }
    terms.update(changes)
    return record_authorisation(actor=actor, **terms)  # type: ignore[arg-type]


def test_an_authorisation_is_recorded_and_ended_at_a_window_and_audited() -> None:
    window = _staff(Role.WINDOW_CLERK)
    authorisation = _authorise(window)
    end_authorisation(actor=window, reference=authorisation.reference)

    actions = list(
        AuditEvent.objects.filter(object_id=authorisation.reference)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["records.authorisation_recorded", "records.authorisation_ended"]
    recorded = AuditEvent.objects.get(action="records.authorisation_recorded")
    assert "委托书" not in str(recorded.after)  # the document's reference is not logged
    with nothing_changes(), pytest.raises(DomainError) as again:
        end_authorisation(actor=window, reference=authorisation.reference)
    assert again.value.code == ErrorCode.AUTHORISATION_ENDED


@pytest.mark.parametrize(
    "role",
    [Role.COMMUNITY_CLERK, Role.BANK_CLERK, Role.HOTLINE_AGENT, Role.SUPERVISOR, Role.ADMIN],
)
def test_no_other_role_records_an_authorisation(role: str) -> None:
    holder, friend = make_person(), make_person()

    with nothing_changes(), pytest.raises(DomainError) as refused:
        record_authorisation(
            actor=_staff(role),
            person=holder,
            authorised=friend,
            insurances=["pension"],
            starts_on=dt.date(2030, 1, 1),
            ends_on=dt.date(2030, 7, 1),
            document="委托书",
        )
    assert refused.value.code == ErrorCode.RECORDS_NOT_ALLOWED


@pytest.mark.parametrize(
    "changes",
    [
        {"insurances": []},
        {"insurances": ["housing"]},
        {"document": " "},
        {"ends_on": dt.date(2029, 12, 31)},
        {"starts_on": dt.date(2020, 1, 1), "ends_on": dt.date(2020, 6, 1)},
    ],
)
def test_an_incomplete_authorisation_is_refused_and_changes_nothing(
    changes: dict[str, object],
) -> None:
    holder, friend = make_person(), make_person()
    terms: dict[str, object] = {
        "person": holder,
        "authorised": friend,
        "insurances": ["pension"],
        "starts_on": dt.date(2030, 1, 1),
        "ends_on": dt.date(2030, 7, 1),
        "document": "委托书",
    } | changes

    with nothing_changes(), pytest.raises(DomainError) as refused:
        record_authorisation(actor=_staff(Role.WINDOW_CLERK), **terms)  # type: ignore[arg-type]
    assert refused.value.code == ErrorCode.AUTHORISATION_INVALID


# ---------------------------------------------------------------- disputes


def test_a_dispute_is_due_in_fifteen_working_days_and_answered_once() -> None:
    person = make_person()
    make_outlet(code="A1", region_code=person.region_code)  # the agency of the person's district
    # Opened on Monday 29 September 2025: the National Day holiday (1-8 October) and the
    # make-up working day (Saturday 11 October) count as the calendar says.
    with frozen_at(dt.datetime(2025, 9, 29, 2, tzinfo=dt.UTC)):
        dispute = open_dispute(
            reader=_citizen(person),
            person=person,
            insurance="pension",
            month="2025-06",
            reason="这个月我在职，记录却显示欠缴。",
        )
    assert dispute.answer_due == add_working_days(dt.date(2025, 9, 29), 15)
    assert dispute.answer_due == dt.date(2025, 10, 27)

    answer_dispute(
        actor=_staff(Role.WINDOW_CLERK),
        reference=dispute.reference,
        status="corrected",
        answer="已核实，单位已补缴，记录已更正。",
    )

    dispute.refresh_from_db()
    assert dispute.status == "corrected"
    actions = list(
        AuditEvent.objects.filter(object_id=dispute.reference)
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["records.dispute_opened", "records.dispute_answered"]
    with nothing_changes(), pytest.raises(DomainError) as again:
        answer_dispute(
            actor=_staff(Role.SUPERVISOR),
            reference=dispute.reference,
            status="confirmed",
            answer="again",
        )
    assert again.value.code == ErrorCode.DISPUTE_ANSWERED


def test_only_the_holder_a_guardian_or_a_window_opens_a_dispute() -> None:
    person, stranger = make_person(), make_person()

    with nothing_changes(), pytest.raises(DomainError) as refused:
        open_dispute(
            reader=_citizen(stranger),
            person=person,
            insurance="pension",
            month="2024-01",
            reason="x",
        )
    assert refused.value.code == ErrorCode.RECORDS_NOT_READABLE
    assert not Dispute.objects.exists()


@pytest.mark.parametrize("role", [Role.COMMUNITY_CLERK, Role.BANK_CLERK, Role.HOTLINE_AGENT])
def test_no_other_role_answers_a_dispute(role: str) -> None:
    person = make_person()
    dispute = open_dispute(
        reader=_citizen(person), person=person, insurance="medical", month="2024-01", reason="x"
    )

    with nothing_changes(dispute), pytest.raises(DomainError) as refused:
        answer_dispute(actor=_staff(role), reference=dispute.reference, status="confirmed",
                       answer="ok")  # fmt: skip
    assert refused.value.code == ErrorCode.RECORDS_NOT_ALLOWED


def test_rates_and_limits_are_data_by_region_and_year() -> None:
    from sscard.records.feeds import Limits
    from sscard.records.selectors import base_limits_for, rates_for

    guangzhou_2024 = rates_for("440106", 2024)
    national_2018 = rates_for("110105", 2018)

    assert (guangzhou_2024["pension"].employer, guangzhou_2024["pension"].individual) == (
        Decimal("0.1600"),
        Decimal("0.0800"),
    )
    assert guangzhou_2024["maternity"].individual == 0
    assert national_2018["pension"].employer == Decimal("0.2000")
    # 60 % and 300 % of Guangzhou's average monthly wage of 2023 (10,000).
    assert base_limits_for("440106", 2024) == (Decimal("6000"), Decimal("30000"))
    assert Limits().for_region("440106", 2024) == base_limits_for("440106", 2024)
    assert base_limits_for("110105", 2024) == Limits().for_region("110105", 2024)

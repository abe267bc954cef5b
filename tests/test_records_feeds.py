"""The core system's feed (DOMAIN.md section 11, API.md `PUT /contributions`): idempotent by
the record's key, a new version keeping the old in the history, per-record rejections with
their reasons while the rest of the batch is booked."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from sscard.audit.models import AuditEvent
from sscard.audit.services import verify_chain
from sscard.common import clock
from sscard.common.errors import ErrorCode
from sscard.records.models import ContributionRecord, ContributionVersion, Employer
from tests.conftest import ApiCaller
from tests.factories import make_person, nothing_changes
from tests.records_support import credit_code, record, with_a_wrong_check_character

pytestmark = pytest.mark.django_db


def _put(api: ApiCaller, token: str, body: object):
    return api.http.put(
        "/api/v1/contributions",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Authorization": f"Bearer {token}"},
    )


@pytest.fixture
def core(make_token: Callable[..., str]) -> str:
    return make_token("records:write", name="core-system")


def test_a_batch_is_booked_once_and_the_same_again_changes_nothing(
    api: ApiCaller, core: str
) -> None:
    person = make_person()
    batch = [record(person, month=f"2024-{m:02d}") for m in range(1, 7)]

    first = _put(api, core, batch)
    again = _put(api, core, batch)

    assert first.status_code == 200, first.content
    assert first.json() == {"created": 6, "replaced": 0, "unchanged": 0, "rejected": []}
    assert again.json() == {"created": 0, "replaced": 0, "unchanged": 6, "rejected": []}
    assert ContributionRecord.objects.filter(person=person).count() == 6
    assert not ContributionVersion.objects.exists()
    booked = AuditEvent.objects.filter(action="contributions.booked").order_by("seq")
    assert [e.after for e in booked] == [
        {"created": 6, "replaced": 0, "unchanged": 0},
        {"created": 0, "replaced": 0, "unchanged": 6},
    ]
    assert verify_chain().ok


def test_a_new_version_replaces_the_record_and_keeps_the_old_in_its_history(
    api: ApiCaller, core: str
) -> None:
    person = make_person()
    _put(api, core, [record(person, status="owed", paid_on=None)])

    answer = _put(api, core, [record(person, status="back_paid", paid_on="2024-06-30")])

    assert answer.json() == {"created": 0, "replaced": 1, "unchanged": 0, "rejected": []}
    current = ContributionRecord.objects.get(person=person)
    assert (current.status, current.paid_on, current.version) == (
        "back_paid",
        dt.date(2024, 6, 30),
        2,
    )
    (old,) = current.history.all()
    assert (old.version, old.status, old.paid_on) == (1, "owed", None)


def test_the_same_key_twice_in_a_batch_books_both_versions_in_order(
    api: ApiCaller, core: str
) -> None:
    person = make_person()

    answer = _put(api, core, [record(person, base="8000.00"), record(person, base="9000.00")])

    assert answer.json() == {"created": 1, "replaced": 1, "unchanged": 0, "rejected": []}
    current = ContributionRecord.objects.get(person=person)
    assert (current.base, current.version) == (Decimal("9000.00"), 2)
    assert [v.base for v in current.history.all()] == [Decimal("8000.00")]


def test_the_key_is_person_insurance_month_and_employer(api: ApiCaller, core: str) -> None:
    person = make_person()
    batch = [
        record(person),
        record(person, employer=2),
        record(person, insurance="medical", employer_amount="560.00", individual_amount="160.00"),
        record(person, month="2024-04"),
        record(make_person()),
    ]

    assert _put(api, core, batch).json()["created"] == 5
    assert Employer.objects.count() == 2


def _one_rejection(api: ApiCaller, core: str, bad: dict[str, object]) -> list[dict[str, str]]:
    person = make_person()
    good = record(person, month="2024-01")
    answer = _put(api, core, [good, bad, record(person, month="2024-02")])
    body = answer.json()
    assert answer.status_code == 200, body
    assert (body["created"], [r["index"] for r in body["rejected"]]) == (2, [1])
    return list(body["rejected"][0]["errors"])


def _future_month() -> str:
    today = clock.today()
    nxt = (today.replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    return f"{nxt:%Y-%m}"


@pytest.mark.parametrize(
    ("change", "field", "code"),
    [
        ({"social_security_number": "110105199001010023"}, "social_security_number",
         ErrorCode.UNKNOWN_PERSON),
        ({"insurance": "housing_fund"}, "insurance", ErrorCode.UNKNOWN_INSURANCE),
        ({"month": "2024-13"}, "month", ErrorCode.INVALID_MONTH),
        ({"month": "future"}, "month", ErrorCode.MONTH_IN_FUTURE),
        ({"base": {"amount": "-1.00", "currency": "CNY"}}, "base", ErrorCode.NEGATIVE_AMOUNT),
        ({"employer_amount": "-0.01"}, "employer_amount", ErrorCode.NEGATIVE_AMOUNT),
        ({"individual_amount": {"amount": "-5", "currency": "CNY"}}, "individual_amount",
         ErrorCode.NEGATIVE_AMOUNT),
        ({"base": "1.005"}, "base", ErrorCode.INVALID_AMOUNT),
        ({"base": "1000.00"}, "base", ErrorCode.BASE_OUTSIDE_LIMITS),
        ({"base": "90000.00"}, "base", ErrorCode.BASE_OUTSIDE_LIMITS),
        ({"employer": {"name": "错码公司", "credit_code": "wrong"}}, "employer.credit_code",
         ErrorCode.INVALID_CREDIT_CODE),
        ({"employer": {"name": "错码公司",
                       "credit_code": with_a_wrong_check_character(credit_code(7))}},
         "employer.credit_code", ErrorCode.INVALID_CREDIT_CODE),
        ({"status": "lost"}, "status", ErrorCode.INVALID_STATUS),
        ({"paid_on": "2024-02-30"}, "paid_on", ErrorCode.INVALID_PAID_ON),
        ({"colour": "red"}, "colour", ErrorCode.MALFORMED_RECORD),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)  # fmt: skip
def test_each_bad_record_is_rejected_with_its_reason_and_the_rest_kept(
    api: ApiCaller, core: str, change: dict[str, object], field: str, code: str
) -> None:
    person = make_person()
    if change.get("month") == "future":
        change = {"month": _future_month()}
    bad = record(person, month="2024-05") | change

    errors = _one_rejection(api, core, bad)

    assert [(e["field"], e["code"]) for e in errors] == [(field, code)]


def test_work_injury_and_maternity_have_no_individual_part(api: ApiCaller, core: str) -> None:
    person = make_person()
    bad = record(person, insurance="maternity", individual_amount="10.00")

    errors = _one_rejection(api, core, bad)

    assert [(e["field"], e["code"]) for e in errors] == [
        ("individual_amount", ErrorCode.NO_INDIVIDUAL_PART)
    ]


def test_a_record_that_is_not_an_object_is_rejected(api: ApiCaller, core: str) -> None:
    errors = _one_rejection(api, core, "not a record")  # type: ignore[arg-type]

    assert [e["code"] for e in errors] == [ErrorCode.MALFORMED_RECORD]


def test_more_than_ten_thousand_records_are_refused_whole_and_nothing_changes(
    api: ApiCaller, core: str
) -> None:
    person = make_person()
    batch = [record(person)] * 10_001

    with nothing_changes():
        answer = _put(api, core, batch)

    assert answer.status_code == 422
    assert answer.json()["code"] == ErrorCode.TOO_MANY_RECORDS


def test_ten_thousand_records_fit_in_one_call(api: ApiCaller, core: str) -> None:
    people = [make_person() for _ in range(20)]
    batch = [
        record(p, month=f"{2016 + m // 12}-{m % 12 + 1:02d}", insurance=i)
        for p in people
        for m in range(100)
        for i in ("pension", "unemployment", "work_injury", "maternity", "medical")
    ]
    for r in batch:
        if r["insurance"] != "pension":
            r["employer_amount"] = {"amount": "100.00", "currency": "CNY"}
            if r["insurance"] in ("unemployment", "medical"):
                r["individual_amount"] = {"amount": "20.00", "currency": "CNY"}

    answer = _put(api, core, batch)

    assert answer.status_code == 200, answer.content[:500]
    assert answer.json()["created"] == 10_000
    assert ContributionRecord.objects.count() == 10_000


@pytest.mark.parametrize("scopes", ["records:read", "persons:write,cards:read"])
def test_only_a_records_write_token_books(
    api: ApiCaller, make_token: Callable[..., str], scopes: str
) -> None:
    person = make_person()
    token = make_token(scopes)

    with nothing_changes():
        answer = _put(api, token, [record(person)])

    assert answer.status_code == 403
    assert answer.json()["code"] == "insufficient_scope"


def test_a_citizen_cannot_book(api: ApiCaller, citizen_token: Callable[..., str]) -> None:
    person = make_person()
    token = citizen_token(person)

    with nothing_changes():
        answer = _put(api, token, [record(person)])

    assert answer.status_code == 403


def test_a_batch_that_meets_a_concurrent_insert_of_its_key_is_booked_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import IntegrityError

    from sscard.common.context import Actor
    from sscard.records import booking
    from sscard.records.feeds import check_records

    person = make_person()
    checked = check_records([record(person)])
    real = booking._book_round
    calls = {"n": 0}

    def racing(contributions: Any) -> booking.Booked:
        calls["n"] += 1
        if calls["n"] == 1:
            real(contributions)  # written, then refused as if another feed had won the key
            raise IntegrityError("duplicate key value violates unique constraint")
        return real(contributions)

    monkeypatch.setattr(booking, "_book_round", racing)
    booked = booking.book([c for _, c in checked.valid], actor=Actor.system(), source="test")

    assert (booked.created, booked.unchanged, calls["n"]) == (1, 0, 2)
    assert ContributionRecord.objects.filter(person=person).count() == 1

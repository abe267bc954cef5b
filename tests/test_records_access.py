"""Who may read whose records (DOMAIN.md sections 2, 10, 11): the read model
`records.permissions.records_access` against every kind of reader, then the same through the
API, each reading of another's records audited, each refusal changing nothing.

Readers (columns): the holder; another citizen; the guardian of a minor; a former guardian (the
ward turned 18 today); a person authorised for pension only, the day before the authorisation
starts, on its first day, on its last day, on its end day, after it was ended at a window;
every staff role; API tokens with and without `records:read`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from sscard.audit.models import AuditEvent
from sscard.common import clock
from sscard.common.clock import frozen_at
from sscard.common.context import Actor, Channel, Role
from sscard.people.ids import birthday
from sscard.people.models import Person
from sscard.records.permissions import Reader, records_access
from sscard.records.services import end_authorisation, read_records, record_authorisation
from tests.conftest import ApiCaller
from tests.factories import make_guardianship, make_person, nothing_changes

pytestmark = pytest.mark.django_db

ALL = "pension,medical,unemployment,work_injury,maternity"

# reader -> (what they may read, basis)
MATRIX: dict[str, tuple[str, str]] = {
    "holder": (ALL, "holder"),
    "other_citizen": ("", "none"),
    "guardian": (ALL, "guardian"),
    "former_guardian": ("", "none"),
    "authorised_before": ("", "none"),
    "authorised_first_day": ("pension", "authorisation"),
    "authorised_last_day": ("pension", "authorisation"),
    "authorised_end_day": ("", "none"),
    "authorised_after_ending": ("", "none"),
    "community_clerk": ("", "none"),
    "window_clerk": (ALL, "staff"),
    "bank_clerk": ("", "none"),
    "hotline_agent": ("", "none"),
    "hotline_agent_checked_caller": (ALL, "staff"),
    "hotline_agent_other_caller": ("", "none"),
    "hotline_agent_callers_ward": (ALL, "staff"),
    "hotline_agent_callers_former_ward": ("", "none"),
    "hotline_agent_callers_ended_ward": ("", "none"),
    "supervisor": (ALL, "staff"),
    "admin": ("", "none"),
    "operator": ("", "none"),
    "token_records_read": (ALL, "partner"),
    "token_without": ("", "none"),
}

STARTS = dt.date(2026, 3, 2)
ENDS = dt.date(2026, 9, 1)


def _window() -> Actor:
    return Actor(
        kind="staff", id="window-1", role=Role.WINDOW_CLERK, channel=Channel.WINDOW,
        outlet_code="AG0001",
    )  # fmt: skip


@dataclass
class Case:
    reader: Reader
    subject: Person
    day: dt.date


def _staff(role: str) -> Actor:
    channels: dict[str, str] = {Role.HOTLINE_AGENT: Channel.HOTLINE, Role.BANK_CLERK: Channel.BANK}
    channel = channels.get(role, Channel.WINDOW)
    return Actor(kind="staff", id=f"{role}-1", role=role, channel=channel, outlet_code="AG0001")


def _citizen(person: Person) -> Reader:
    actor = Actor(kind="citizen", id=f"person:{person.pk}", role=Role.CITIZEN, channel="app")
    return Reader(actor=actor, person=person)


def _case(name: str) -> Case:
    """Build the world of one reader, at the day the case is about."""
    holder = make_person()
    today = clock.today()
    if name == "holder":
        return Case(_citizen(holder), holder, today)
    if name == "other_citizen":
        return Case(_citizen(make_person()), holder, today)
    if name in ("guardian", "former_guardian"):
        child = make_person(age=17)
        parent = make_person()
        make_guardianship(guardian=parent, ward=child)
        day = today if name == "guardian" else birthday(18, child.birth_date)
        return Case(_citizen(parent), child, day)
    if name.startswith("authorised"):
        friend = make_person()
        with frozen_at(dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC)):
            authorisation = record_authorisation(
                actor=_window(),
                person=holder,
                authorised=friend,
                insurances=["pension"],
                starts_on=STARTS,
                ends_on=ENDS,
                document="委托书 2026-001",
            )
        day = {
            "authorised_before": STARTS - dt.timedelta(days=1),
            "authorised_first_day": STARTS,
            "authorised_last_day": ENDS - dt.timedelta(days=1),
            "authorised_end_day": ENDS,
            "authorised_after_ending": dt.date(2026, 5, 1),
        }[name]
        if name == "authorised_after_ending":
            with frozen_at(dt.datetime(2026, 4, 30, 2, tzinfo=dt.UTC)):
                end_authorisation(actor=_window(), reference=authorisation.reference)
        return Case(_citizen(friend), holder, day)
    if name == "operator":
        actor = Actor(kind="operator", id="cli:root", role=Role.ADMIN, channel=Channel.SYSTEM)
        return Case(Reader(actor=actor), holder, today)
    if name.startswith("token"):
        scopes = frozenset({"records:read"} if name == "token_records_read" else {"persons:read"})
        actor = Actor(kind="partner", id="terminal", role=Role.PARTNER, channel=Channel.KIOSK)
        return Case(Reader(actor=actor, scopes=scopes), holder, today)
    if name == "hotline_agent_checked_caller":
        return Case(Reader(actor=_staff(Role.HOTLINE_AGENT), person=holder), holder, today)
    if name.startswith("hotline_agent_callers_"):
        child = make_person(age=17)
        parent = make_person()
        link = make_guardianship(guardian=parent, ward=child)
        day = today
        if name == "hotline_agent_callers_former_ward":
            day = birthday(18, child.birth_date)  # the parent's guardianship ended that day
        if name == "hotline_agent_callers_ended_ward":
            link.ended_at = clock.now() - dt.timedelta(days=1)
            link.end_reason = "guardian_removed"
            link.save(update_fields=["ended_at", "end_reason"])
        return Case(Reader(actor=_staff(Role.HOTLINE_AGENT), person=parent), child, day)
    if name == "hotline_agent_other_caller":
        caller = make_person()
        return Case(Reader(actor=_staff(Role.HOTLINE_AGENT), person=caller), holder, today)
    return Case(Reader(actor=_staff(name)), holder, today)


def _at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(10), tzinfo=dt.UTC)


@pytest.mark.parametrize("name", list(MATRIX))
def test_who_may_read_whose_records(name: str) -> None:
    case = _case(name)
    insurances, basis = MATRIX[name]

    with frozen_at(_at(case.day)):
        access = records_access(case.reader, case.subject)

    assert (",".join(sorted(access.insurances)), access.basis) == (
        ",".join(sorted(insurances.split(","))) if insurances else "",
        basis,
    )


@pytest.mark.parametrize("name", list(MATRIX))
def test_a_reading_of_anothers_records_is_audited_and_a_refusal_changes_nothing(
    name: str,
) -> None:
    case = _case(name)
    allowed, basis = MATRIX[name]

    with frozen_at(_at(case.day)):
        if not allowed:
            with nothing_changes(), pytest.raises(Exception) as refused:
                read_records(case.reader, case.subject, what="contributions")
            assert getattr(refused.value, "code", "") == "records_not_readable"
            return
        before = AuditEvent.objects.count()
        read_records(case.reader, case.subject, what="contributions")

    events = list(AuditEvent.objects.order_by("seq")[before:])
    if basis == "holder":
        assert events == []
    else:
        (event,) = events
        assert (event.action, event.object_id, event.after["basis"]) == (
            "records.read",
            str(case.subject.pk),
            basis,
        )


def test_the_matrix_names_every_staff_role() -> None:
    staff = {r for r in Role.values if r not in (Role.CITIZEN, Role.PARTNER, Role.SYSTEM)}
    assert staff <= set(MATRIX)


# ---------------------------------------------------------------- the same through the API


@pytest.fixture
def seeded(make_token: Callable[..., str]) -> dict[str, object]:
    from sscard.records.booking import book
    from sscard.records.feeds import check_records
    from tests.records_support import record

    holder = make_person()
    child = make_person(age=10)
    parent = make_person()
    make_guardianship(guardian=parent, ward=child)
    other = make_person()
    checked = check_records(
        [record(p, month=f"2024-{m:02d}") for p in (holder, child) for m in (1, 2, 3)]
    )
    book([c for _, c in checked.valid], actor=Actor.system(), source="test")
    return {"holder": holder, "child": child, "parent": parent, "other": other}


API_CASES = [
    # (caller, path, status)
    ("holder", "/me/contributions", 200),
    ("holder", "/me/rights", 200),
    ("parent", "/me/contributions?ssn={child}", 200),
    ("parent", "/me/rights?ssn={child}", 200),
    ("other", "/me/contributions?ssn={holder}", 404),
    ("holder", "/persons/{holder}/contributions", 403),
    ("records_read", "/persons/{holder}/contributions", 200),
    ("records_read", "/persons/{holder}/rights", 200),
    ("without", "/persons/{holder}/contributions", 403),
    ("without", "/me/contributions", 403),
]


@pytest.mark.parametrize(("caller", "path", "status"), API_CASES)
def test_the_api_reads_through_the_read_model(
    api: ApiCaller,
    seeded: dict[str, Person],
    make_token: Callable[..., str],
    citizen_token: Callable[[Person], str],
    caller: str,
    path: str,
    status: int,
) -> None:
    if caller in seeded:
        token = citizen_token(seeded[caller])
    else:
        token = make_token("records:read" if caller == "records_read" else "persons:read")
    url = path.format(**{k: p.social_security_number for k, p in seeded.items()})
    before = AuditEvent.objects.count()

    answer = api.http.get("/api/v1" + url, headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == status, answer.content
    audited = AuditEvent.objects.filter(action="records.read").count()
    if status != 200:
        assert AuditEvent.objects.count() == before
        return
    body = answer.json()
    if "contributions" in path:
        assert body["count"] == 3
        assert [r["month"] for r in body["records"]] == ["2024-03", "2024-02", "2024-01"]
        assert body["totals"][0]["months"] == 3
    else:
        pension = next(m for m in body["months"] if m["insurance"] == "pension")
        assert (pension["total"], pension["longest_continuous"]) == (3, 3)
    assert audited == (0 if caller == "holder" else 1)


def test_a_citizen_disputes_a_month_of_their_own_or_of_a_ward_and_of_no_one_else(
    api: ApiCaller, seeded: dict[str, Person], citizen_token: Callable[[Person], str]
) -> None:
    body = {"insurance": "pension", "month": "2024-02", "reason": "单位已缴，记录显示欠缴"}
    own = api.post("/me/record-disputes", body, token=citizen_token(seeded["holder"]))
    ward = api.post(
        "/me/record-disputes",
        body | {"social_security_number": seeded["child"].social_security_number},
        token=citizen_token(seeded["parent"]),
    )
    stranger_token = citizen_token(seeded["other"])
    with nothing_changes():
        stranger = api.post(
            "/me/record-disputes",
            body | {"social_security_number": seeded["holder"].social_security_number},
            token=stranger_token,
        )

    assert own.status_code == ward.status_code == 201, (own.content, ward.content)
    assert own.json()["status"] == "open"
    assert dt.date.fromisoformat(own.json()["answer_due"]) > clock.today()
    assert (stranger.status_code, stranger.json()["code"]) == (404, "person_not_found")

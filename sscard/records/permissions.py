"""Who may read whose records, and who may book them (DOMAIN.md sections 2, 10 and 11): the
one read model every interface and service asks. It reads the database but changes nothing.

- The holder reads all their own records.
- A guardian reads the ward's while the guardianship is in force
  (`people.selectors.guardianships_in_force`: a parent no longer does from the ward's 18th
  birthday).
- A person holding a written authorisation in force reads the insurances it covers, from its
  first day until the day before its end (`selectors.authorisations_in_force`).
- Staff with the inquiry duty: window clerks (the agencies answer inquiries at their windows),
  hotline agents (12333 answers them by phone, only for the caller whose identity they checked:
  the interface names that caller as the reader's `person`, and no one else's records are read)
  and supervisors (the bureau oversees the agencies). Community intake clerks only collect needs,
  bank clerks serve the bank's business, and system administrators keep the system: none of
  them reads records (MOHRSS order 14 art. 13: no one else without a written authorisation
  or a legal basis).
- API clients with `records:read` read (an agency's inquiry systems, its terminals); only
  `records:write` books them (the core system), and the operators' command line.

Every reading by anyone but the holder is a reading of another's personal data, and is
audited (`services.read_records`).
"""

from __future__ import annotations

from dataclasses import dataclass

from sscard.common.context import Actor, Channel, Role
from sscard.people.models import Person
from sscard.people.selectors import guardianships_in_force
from sscard.records.models import Insurance
from sscard.records.selectors import authorisations_in_force

RECORDS_READ = "records:read"
RECORDS_WRITE = "records:write"

ALL_INSURANCES: frozenset[str] = frozenset(Insurance.values)
INQUIRY_ROLES: frozenset[str] = frozenset({Role.WINDOW_CLERK, Role.HOTLINE_AGENT, Role.SUPERVISOR})
NOTHING: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reader:
    """Who asks to read: the actor, the person behind a citizen's actor (for a hotline agent:
    the caller whose identity was checked), and the scopes of an API client's token."""

    actor: Actor
    person: Person | None = None
    scopes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class RecordsAccess:
    """What a reader may read of one person's records: the insurances (empty: nothing), on
    which basis, and whether the reading is audited."""

    insurances: frozenset[str]
    basis: str

    @property
    def allowed(self) -> bool:
        return bool(self.insurances)

    @property
    def audited(self) -> bool:
        return self.allowed and self.basis != "holder"


DENIED = RecordsAccess(NOTHING, "none")


def records_access(reader: Reader, subject: Person) -> RecordsAccess:
    actor = reader.actor
    if actor.role == Role.CITIZEN:
        return _citizen_access(reader.person, subject)
    if actor.role == Role.PARTNER:
        return RecordsAccess(ALL_INSURANCES, "partner") if RECORDS_READ in reader.scopes else DENIED
    if actor.role == Role.HOTLINE_AGENT and actor.kind == "staff":
        return _caller_access(reader.person, subject)
    if actor.role in INQUIRY_ROLES and actor.kind == "staff":
        return RecordsAccess(ALL_INSURANCES, "staff")
    return DENIED


def _caller_access(caller: Person | None, subject: Person) -> RecordsAccess:
    """By phone, only the records of the caller whose identity the agent checked."""
    if caller is not None and caller.pk == subject.pk:
        return RecordsAccess(ALL_INSURANCES, "staff")
    return DENIED


def _citizen_access(person: Person | None, subject: Person) -> RecordsAccess:
    if person is None:
        return DENIED
    if person.pk == subject.pk:
        return RecordsAccess(ALL_INSURANCES, "holder")
    if guardianships_in_force().filter(guardian=person, ward=subject).exists():
        return RecordsAccess(ALL_INSURANCES, "guardian")
    covered: set[str] = set()
    for insurances in (
        authorisations_in_force()
        .filter(person=subject, authorised=person)
        .values_list("insurances", flat=True)
    ):
        covered.update(i for i in insurances if i in ALL_INSURANCES)
    if covered:
        return RecordsAccess(frozenset(covered), "authorisation")
    return DENIED


def readable_people(person: Person) -> list[Person]:
    """Whose records a citizen may read besides their own: wards in force and people whose
    authorisation in force names them."""
    wards = guardianships_in_force().filter(guardian=person).values_list("ward", flat=True)
    granted = authorisations_in_force().filter(authorised=person).values_list("person", flat=True)
    ids = {*wards, *granted} - {person.pk}
    return list(Person.objects.filter(pk__in=ids).order_by("pk"))


def may_book(reader: Reader) -> bool:
    """Only the core system's token (`records:write`) and the operators book records."""
    if reader.actor.role == Role.PARTNER:
        return RECORDS_WRITE in reader.scopes
    return reader.actor.kind in ("operator", "system")


def may_manage_authorisations(actor: Actor) -> bool:
    """Written authorisations are recorded and ended at a window."""
    return actor.kind == "staff" and actor.role == Role.WINDOW_CLERK


def may_answer_disputes(actor: Actor) -> bool:
    """The agency answers disputes: its window clerks and the bureau's supervisors."""
    return actor.kind == "staff" and actor.role in (Role.WINDOW_CLERK, Role.SUPERVISOR)


def may_open_dispute(reader: Reader, subject: Person) -> bool:
    """The holder, a guardian in force, or a window clerk (the inquiry duty) at their window
    for the person in front of them."""
    access = records_access(reader, subject)
    if reader.actor.role == Role.CITIZEN:
        return access.basis in ("holder", "guardian")
    return (
        reader.actor.kind == "staff"
        and reader.actor.role == Role.WINDOW_CLERK
        and reader.actor.channel == Channel.WINDOW
        and access.allowed
    )

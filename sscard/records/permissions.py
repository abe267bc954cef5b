"""Who may read whose records, and who may book them (DOMAIN.md sections 2, 10 and 11): the
one read model every interface and service asks. It reads the database but changes nothing.

- The holder reads all their own records.
- A guardian reads the ward's while the guardianship is in force
  (`people.selectors.guardianships_in_force`: a parent no longer does from the ward's 18th
  birthday).
- A person holding a written authorisation in force reads the insurances it covers, from its
  first day until the day before its end (`selectors.authorisations_in_force`).
- Staff with the inquiry duty: window clerks (the agencies answer inquiries at their windows),
  hotline agents (12333 answers them by phone, only for the caller whose identity they checked
  and that caller's wards in force: the interface names that caller as the reader's `person`,
  and no one else's records are read)
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

from django.db.models import Q, QuerySet

from sscard.common.context import Actor, Channel, Role
from sscard.common.errors import Conflict, ErrorCode, NotFound
from sscard.outlets.models import Outlet
from sscard.people.models import Person
from sscard.people.selectors import guardianships_in_force
from sscard.records.models import Dispute, DisputeStatus, Insurance
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
    """By phone, only the records of the caller whose identity the agent checked, and of the
    caller's wards under a guardianship in force (a guardian calling about a minor ward, or
    an adult ward on a recorded legal basis); not of a former ward, nor of anyone else."""
    if caller is None:
        return DENIED
    if caller.pk == subject.pk:
        return RecordsAccess(ALL_INSURANCES, "staff")
    if guardianships_in_force().filter(guardian=caller, ward=subject).exists():
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


def _dispute_scope(actor: Actor) -> Q | None:
    """Which disputes an actor who answers disputes sees (None: none). A dispute has no
    outlet of its own unless it was opened at a window:
    - a supervisor (the bureau oversees every agency) sees every dispute;
    - a window clerk sees the disputes opened at their own outlet's windows (the person came
      there, and is answered there), and those opened online or by phone (no outlet) of the
      people whose region is their outlet's: the agency of the person's district answers them;
    - nobody else (hotline agents, bank and community clerks, administrators) sees any.
    """
    if not may_answer_disputes(actor):
        return None
    if actor.role == Role.SUPERVISOR:
        return Q()
    outlet = Outlet.objects.filter(code=actor.outlet_code).first() if actor.outlet_code else None
    if outlet is None:
        return None
    return Q(outlet=outlet) | Q(outlet__isnull=True, person__region_code=outlet.region_code)


def disputes_seen_by(actor: Actor, rows: QuerySet[Dispute] | None = None) -> QuerySet[Dispute]:
    """The disputes (of `rows`, all by default) that the actor sees in the disputes queue,
    opens and answers; every other one reads as missing."""
    rows = Dispute.objects.all() if rows is None else rows
    scope = _dispute_scope(actor)
    return rows.none() if scope is None else rows.filter(scope)


def dispute_seen(actor: Actor, reference: str) -> Dispute:
    """A dispute the actor sees (`permissions.disputes_seen_by`), with its person, employer,
    outlet and the record it corrected: `dispute_not_found` for none, or one out of their
    scope (it reads as missing)."""
    rows = Dispute.objects.filter(reference=(reference or "").strip().upper()).select_related(
        "person", "employer", "outlet"
    )
    found = disputes_seen_by(actor, rows).first()
    if found is None:
        raise NotFound("No such dispute.", code=ErrorCode.DISPUTE_NOT_FOUND)
    return found


def dispute_to_answer(actor: Actor, reference: str) -> Dispute:
    """A dispute the actor sees and still waiting for its answer: `dispute_not_found` when
    there is none, `dispute_answered` when it was answered (the service checks again under
    its lock)."""
    found = dispute_seen(actor, reference)
    if found.status != DisputeStatus.OPEN:
        raise Conflict("This dispute was already answered.", code=ErrorCode.DISPUTE_ANSWERED)
    return found


def may_see_dispute(actor: Actor, dispute: Dispute) -> bool:
    return disputes_seen_by(actor, Dispute.objects.filter(pk=dispute.pk)).exists()


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

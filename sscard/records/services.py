"""Writes of the records app: booking a feed, readings of another's records (audited), written
authorisations, disputes and their answers (a record corrected through a new version, the
person told). Each checks the read model (`permissions`) before it acts; a refusal raises a
DomainError with an `ErrorCode` and writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Q

from sscard.audit.services import record_event
from sscard.common import clock
from sscard.common.context import Actor, Channel
from sscard.common.errors import (
    Conflict,
    ErrorCode,
    FieldError,
    Forbidden,
    NotFound,
    ValidationError,
)
from sscard.common.locking import lock_one
from sscard.notifications.services import queue_notifications
from sscard.outlets.models import Outlet
from sscard.people.models import Person
from sscard.people.selectors import guardians_of
from sscard.policy.selectors import add_working_days
from sscard.records.booking import Booked, book
from sscard.records.feeds import RecordError, check_records, parse_month
from sscard.records.models import (
    Authorisation,
    ContributionRecord,
    Dispute,
    DisputeStatus,
    Employer,
    Insurance,
)
from sscard.records.permissions import (
    ALL_INSURANCES,
    Reader,
    RecordsAccess,
    dispute_seen,
    may_answer_disputes,
    may_book,
    may_manage_authorisations,
    may_open_dispute,
    records_access,
)
from sscard.records.statements import check_year, default_issuer, statement_pdf

# One API call books at most this many records (API.md).
BATCH_LIMIT = 10_000
# The agency answers a dispute within this many working days (MOHRSS order 14).
DISPUTE_WORKING_DAYS = 15


# ---------------------------------------------------------------- booking feeds


@dataclass
class FeedResult:
    booked: Booked = field(default_factory=Booked)
    rejected: list[tuple[int, list[RecordError]]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "created": self.booked.created,
            "replaced": self.booked.replaced,
            "unchanged": self.booked.unchanged,
            "rejected": [
                {"index": index, "errors": [e.as_dict() for e in errors]}
                for index, errors in self.rejected
            ],
        }


def book_contributions(*, reader: Reader, records: Sequence[Any], source: str) -> FeedResult:
    """A batch of the core system (API.md `PUT /contributions`): each record checked on its
    own, the rejected ones listed with their index and errors, the rest booked in one
    transaction with one audit event."""
    if not may_book(reader):
        raise Forbidden("Only the core system books records.", code=ErrorCode.RECORDS_NOT_ALLOWED)
    if len(records) > BATCH_LIMIT:
        raise ValidationError(
            f"At most {BATCH_LIMIT} records in one call.",
            code=ErrorCode.TOO_MANY_RECORDS,
            errors=[FieldError("records", f"at most {BATCH_LIMIT}")],
        )
    checked = check_records(records)
    result = FeedResult(rejected=checked.rejected)
    if checked.valid:
        result.booked = book(
            [c for _, c in checked.valid], actor=reader.actor, source=source, audit=True
        )
    return result


# ---------------------------------------------------------------- reading


def check_reading(reader: Reader, subject: Person) -> RecordsAccess:
    """What the reader may read of the subject's records; `records_not_readable` (404: it
    does not tell whether the person has records) when nothing."""
    access = records_access(reader, subject)
    if not access.allowed:
        raise NotFound("No records to show.", code=ErrorCode.RECORDS_NOT_READABLE)
    return access


def read_records(reader: Reader, subject: Person, *, what: str) -> RecordsAccess:
    """Check the reading, and audit it when it is another's records (a reading of personal
    data, like a reveal). `what` names the reading: contributions, rights, statement."""
    access = check_reading(reader, subject)
    if access.audited:
        with transaction.atomic():
            record_event(
                actor=reader.actor,
                action="records.read",
                object_type="person",
                object_id=subject.pk,
                bucket=subject.bucket,
                before={},
                after={
                    "what": what,
                    "basis": access.basis,
                    "insurances": sorted(access.insurances),
                },
            )
    return access


def read_statement(
    reader: Reader, subject: Person, year: int, *, issued_by: str | None = None
) -> bytes:
    """The yearly statement as a PDF: a reading of records (audited for anyone but the
    holder), of the insurances the reader may read. A year out of range is refused before
    anything is read or written."""
    check_year(year)
    access = read_records(reader, subject, what="statement")
    return statement_pdf(
        subject, year, issued_by=issued_by or default_issuer(), insurances=access.insurances
    )


# ---------------------------------------------------------------- authorisations


def _insurances(values: Sequence[str]) -> list[str]:
    chosen = sorted(set(values))
    if not chosen or not set(chosen) <= ALL_INSURANCES:
        raise ValidationError(
            "Name the insurances the authorisation covers.",
            code=ErrorCode.AUTHORISATION_INVALID,
            errors=[FieldError("insurances", "must be among " + ", ".join(Insurance.values))],
        )
    return chosen


def record_authorisation(
    *,
    actor: Actor,
    person: Person,
    authorised: Person,
    insurances: Sequence[str],
    starts_on: dt.date,
    ends_on: dt.date,
    document: str,
) -> Authorisation:
    """A written authorisation, recorded at a window from the document the person signed."""
    if not may_manage_authorisations(actor):
        raise Forbidden(
            "Authorisations are recorded at a window.", code=ErrorCode.RECORDS_NOT_ALLOWED
        )
    chosen = _insurances(insurances)
    document = (document or "").strip()
    problems = []
    if person.pk == authorised.pk:
        problems.append(FieldError("authorised", "must be another person"))
    if not document or len(document) > 100:
        problems.append(FieldError("document", "the signed document's reference is required"))
    if ends_on <= starts_on:
        problems.append(FieldError("ends_on", "must be after the first day"))
    if ends_on <= clock.today():
        problems.append(FieldError("ends_on", "must be after today"))
    if problems:
        raise ValidationError(
            "The authorisation cannot be recorded.",
            code=ErrorCode.AUTHORISATION_INVALID,
            errors=problems,
        )
    with transaction.atomic():
        lock_one(Person, person.pk)
        authorisation = Authorisation.objects.create(
            person=person,
            authorised=authorised,
            insurances=chosen,
            starts_on=starts_on,
            ends_on=ends_on,
            document=document,
            created_at=clock.now(),
        )
        record_event(
            actor=actor,
            action="records.authorisation_recorded",
            object_type="authorisation",
            object_id=authorisation.reference,
            bucket=authorisation.bucket,
            before={},
            after={
                "person": person.pk,
                "authorised": authorised.pk,
                "insurances": chosen,
                "starts_on": starts_on,
                "ends_on": ends_on,
                "document_given": True,
            },
        )
    return authorisation


def end_authorisation(*, actor: Actor, reference: str) -> Authorisation:
    """The person withdraws an authorisation at a window: it grants nothing from now."""
    if not may_manage_authorisations(actor):
        raise Forbidden("Authorisations are ended at a window.", code=ErrorCode.RECORDS_NOT_ALLOWED)
    found = Authorisation.objects.filter(reference=reference).first()
    if found is None:
        raise NotFound("No such authorisation.", code=ErrorCode.AUTHORISATION_NOT_FOUND)
    with transaction.atomic():
        lock_one(Person, found.person_id)
        authorisation = lock_one(Authorisation, found.pk)
        if authorisation.ended_at is not None:
            raise Conflict(
                "This authorisation was already ended.", code=ErrorCode.AUTHORISATION_ENDED
            )
        authorisation.ended_at = clock.now()
        authorisation.save(update_fields=["ended_at"])
        record_event(
            actor=actor,
            action="records.authorisation_ended",
            object_type="authorisation",
            object_id=authorisation.reference,
            bucket=authorisation.bucket,
            before={"ended": False},
            after={"ended": True},
        )
    return authorisation


# ---------------------------------------------------------------- disputes


@dataclass(frozen=True)
class DisputeTerms:
    """A dispute's terms, checked: the month's first day and the employer it names."""

    month: dt.date
    employer: Employer | None


def _open_dispute_of(
    person: Person, insurance: str, day: dt.date, employer: Employer | None
) -> Dispute | None:
    """The open dispute of the same month's record, if any: same insurance and month, and the
    same employer or one of the two naming none."""
    rows = Dispute.objects.filter(
        person=person, insurance=insurance, month=day, status=DisputeStatus.OPEN
    )
    if employer is not None:
        rows = rows.filter(Q(employer__isnull=True) | Q(employer=employer))
    return rows.first()


def check_opener(reader: Reader, person: Person) -> None:
    """Whether the reader may open a dispute for the person (`permissions.may_open_dispute`):
    a citizen who may not reads "not found" (`records_not_readable`), staff without the
    inquiry duty at a window are refused (`records_not_allowed`)."""
    if may_open_dispute(reader, person):
        return
    if reader.actor.kind == "staff":
        raise Forbidden(
            "Disputes are opened at a window by a clerk with the inquiry duty.",
            code=ErrorCode.RECORDS_NOT_ALLOWED,
        )
    raise NotFound("No records to show.", code=ErrorCode.RECORDS_NOT_READABLE)


def check_dispute(
    *,
    reader: Reader,
    person: Person,
    insurance: str,
    month: str,
    reason: str,
    employer_credit_code: str | None = None,
) -> DisputeTerms:
    """Whether this dispute may be opened now, before anything is written (the window's
    console asks it before the clerk confirms). Refused: a reader who may not open one
    (`records_not_readable` for a citizen, `records_not_allowed` for staff without the
    inquiry duty at a window), terms not valid (`dispute_invalid`), at a window a month
    without a record of the insurance (`dispute_no_record`: the clerk disputes a record shown
    on the page; online a person may dispute a month left without one), and a month whose
    record is already disputed and not yet answered (`dispute_already_open`)."""
    check_opener(reader, person)
    problems = []
    if insurance not in Insurance.values:
        problems.append(FieldError("insurance", "must be one of: " + ", ".join(Insurance.values)))
    day = parse_month(month)
    if day is None or day > clock.today():
        problems.append(FieldError("month", "must be a past or this month as YYYY-MM"))
    reason = (reason or "").strip()
    if not reason or len(reason) > 500:
        problems.append(FieldError("reason", "say what is wrong (at most 500 characters)"))
    employer = None
    if employer_credit_code:
        employer = Employer.objects.filter(credit_code=employer_credit_code.upper()).first()
        if employer is None:
            problems.append(FieldError("employer_credit_code", "no such employer"))
    if problems:
        raise ValidationError(
            "The dispute cannot be recorded.", code=ErrorCode.DISPUTE_INVALID, errors=problems
        )
    assert day is not None
    if reader.actor.channel == Channel.WINDOW:
        recorded = ContributionRecord.objects.filter(person=person, insurance=insurance, month=day)
        if employer is not None:
            recorded = recorded.filter(employer=employer)
        if not recorded.exists():
            raise ValidationError(
                "There is no record of this month to dispute.",
                code=ErrorCode.DISPUTE_NO_RECORD,
                errors=[FieldError("month", "no record of this insurance in this month")],
            )
    _refuse_a_second(person, insurance, day, employer)
    return DisputeTerms(day, employer)


def _refuse_a_second(
    person: Person, insurance: str, day: dt.date, employer: Employer | None
) -> None:
    already = _open_dispute_of(person, insurance, day, employer)
    if already is not None:
        raise Conflict(
            "This month's record is already disputed.",
            code=ErrorCode.DISPUTE_ALREADY_OPEN,
            dispute=already.reference,
        )


def open_dispute(
    *,
    reader: Reader,
    person: Person,
    insurance: str,
    month: str,
    reason: str,
    employer_credit_code: str | None = None,
) -> Dispute:
    """A person disputes a month's record, online or at a window (the clerk's outlet
    recorded); the agency answers within 15 working days."""
    terms = check_dispute(
        reader=reader,
        person=person,
        insurance=insurance,
        month=month,
        reason=reason,
        employer_credit_code=employer_credit_code,
    )
    day, employer = terms.month, terms.employer
    actor = reader.actor
    outlet = None
    if actor.channel == Channel.WINDOW and actor.outlet_code:
        outlet = Outlet.objects.filter(code=actor.outlet_code).first()
    now = clock.now()
    with transaction.atomic():
        lock_one(Person, person.pk)
        _refuse_a_second(person, insurance, day, employer)
        dispute = Dispute.objects.create(
            person=person,
            insurance=insurance,
            month=day,
            employer=employer,
            reason=reason.strip(),
            channel=actor.channel,
            outlet=outlet,
            opened_at=now,
            answer_due=add_working_days(clock.today(), DISPUTE_WORKING_DAYS),
        )
        record_event(
            actor=actor,
            action="records.dispute_opened",
            object_type="dispute",
            object_id=dispute.reference,
            bucket=dispute.bucket,
            before={},
            after={
                "person": person.pk,
                "insurance": insurance,
                "month": f"{day:%Y-%m}",
                "employer": employer.credit_code if employer else None,
                "answer_due": dispute.answer_due,
            },
        )
    return dispute


def disputed_records(dispute: Dispute) -> list[ContributionRecord]:
    """The current records a dispute is about: its person, insurance and month, and its
    employer when it names one."""
    rows = ContributionRecord.objects.filter(
        person_id=dispute.person_id, insurance=dispute.insurance, month=dispute.month
    ).select_related("employer")
    if dispute.employer_id is not None:
        rows = rows.filter(employer_id=dispute.employer_id)
    return list(rows.order_by("employer__credit_code"))


@dataclass(frozen=True)
class Correction:
    """The corrected content of one disputed record (the values as typed: checked like a
    record of a feed)."""

    record_id: int
    base: str
    employer_amount: str
    individual_amount: str
    status: str
    paid_on: str = ""


DISPUTE_ANSWERED_TOPIC = "dispute_answered"


def _correct(dispute: Dispute, correction: Correction, actor: Actor) -> ContributionRecord:
    """Book the corrected version of the disputed record, the dispute as its source: the
    booking keeps the replaced version in the history and audits what it did."""
    record = next((r for r in disputed_records(dispute) if r.pk == correction.record_id), None)
    if record is None:
        raise ValidationError(
            "Choose the disputed record to correct.",
            code=ErrorCode.DISPUTE_INVALID,
            errors=[FieldError("record", "not a record of this dispute")],
        )
    raw = {
        "social_security_number": dispute.person.social_security_number,
        "insurance": record.insurance,
        "month": f"{record.month:%Y-%m}",
        "employer": {"credit_code": record.employer.credit_code, "name": record.employer.name},
        "base": correction.base,
        "employer_amount": correction.employer_amount,
        "individual_amount": correction.individual_amount,
        "status": correction.status,
        "paid_on": correction.paid_on or None,
    }
    checked = check_records([raw])
    if checked.rejected:
        _, errors = checked.rejected[0]
        raise ValidationError(
            "The corrected record is not valid.",
            code=ErrorCode.DISPUTE_INVALID,
            errors=[FieldError(f"record.{e.field}", e.message) for e in errors],
        )
    booked = book(
        [checked.valid[0][1]],
        actor=actor,
        source=f"dispute:{dispute.reference}",
        detail={"dispute": dispute.reference, "record": record.pk},
    )
    if not booked.replaced:
        raise ValidationError(
            "The corrected record is the same as the one recorded.",
            code=ErrorCode.DISPUTE_INVALID,
            errors=[FieldError("record.base", "change at least one value, or confirm the record")],
        )
    record.refresh_from_db()
    return record


def answer_dispute(
    *,
    actor: Actor,
    reference: str,
    status: str,
    answer: str,
    correction: Correction | None = None,
) -> Dispute:
    """The agency's answer: the record was corrected or it stands as recorded. A correction
    made here is booked as a new version of the record with the dispute as its source (the
    old version kept in the history); a record the core system already corrected is answered
    as corrected without one. The person (or their guardians) is told of the answer."""
    if not may_answer_disputes(actor):
        raise Forbidden("Disputes are answered by the agency.", code=ErrorCode.RECORDS_NOT_ALLOWED)
    found = dispute_seen(actor, reference)  # another agency's reads as missing
    answer = (answer or "").strip()
    if status not in (DisputeStatus.CORRECTED, DisputeStatus.CONFIRMED) or not answer:
        raise ValidationError(
            "Say whether the record was corrected or confirmed, and why.",
            code=ErrorCode.DISPUTE_INVALID,
            errors=[FieldError("status", "corrected or confirmed, with an answer")],
        )
    if correction is not None and status != DisputeStatus.CORRECTED:
        raise ValidationError(
            "A record confirmed as recorded is not corrected.",
            code=ErrorCode.DISPUTE_INVALID,
            errors=[FieldError("status", "a correction goes with the answer 'corrected'")],
        )
    with transaction.atomic():
        lock_one(Person, found.person_id)
        dispute = lock_one(Dispute, found.pk)
        if dispute.status != DisputeStatus.OPEN:
            raise Conflict("This dispute was already answered.", code=ErrorCode.DISPUTE_ANSWERED)
        if correction is not None:
            corrected = _correct(dispute, correction, actor)
            dispute.corrected_record = corrected
            dispute.corrected_version = corrected.version
        dispute.status = status
        dispute.answer = answer[:1000]
        dispute.answered_at = clock.now()
        dispute.answered_by = actor.id
        dispute.save(
            update_fields=[
                "status",
                "answer",
                "answered_at",
                "answered_by",
                "corrected_record",
                "corrected_version",
            ]
        )
        record_event(
            actor=actor,
            action="records.dispute_answered",
            object_type="dispute",
            object_id=dispute.reference,
            bucket=dispute.bucket,
            before={"status": DisputeStatus.OPEN},
            after={
                "status": status,
                "late": clock.today() > dispute.answer_due,
                "corrected_here": correction is not None,
            },
        )
        person = dispute.person
        queue_notifications(
            subject=person,
            recipients=guardians_of(person) or [person],
            topic=DISPUTE_ANSWERED_TOPIC,
            params={
                "reference": dispute.reference,
                "insurance": dispute.insurance,
                "month": f"{dispute.month:%Y-%m}",
                "status": status,
            },
        )
    return dispute

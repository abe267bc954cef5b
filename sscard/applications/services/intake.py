"""A community committee's preliminary intake (DOMAIN.md section 5): the need and basic
information, handed on to the agency's queue as `submitted`; a window clerk completes it with
the documents, and the receipt is issued as for an application made at a counter."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from sscard.applications.models import ApplicationStatus, CardApplication, Delivery, Production
from sscard.applications.permissions import (
    COMPLETE_INTAKE,
    RECORD_INTAKE,
    check_application_action,
    check_applying,
)
from sscard.applications.services.applying import (
    check_counter_request,
    issue_receipt,
    put_terms,
    settle_terms,
)
from sscard.applications.services.steps import (
    another_open,
    new_application,
    record_step,
    save,
)
from sscard.applications.terms import (
    kind_refusals,
    refuse_first,
)
from sscard.cards.holders import check_acting_party
from sscard.common.context import Actor
from sscard.common.locking import lock_one
from sscard.outlets.models import Outlet
from sscard.partners.models import Bank
from sscard.people.models import Person

S = ApplicationStatus


def record_intake(
    *,
    actor: Actor,
    type: str,
    person: Person,
    applicant: Person,
    relation: str,
    outlet: Outlet,
    reason: str = "",
    note: str = "",
) -> CardApplication:
    """A community committee's preliminary intake: the need and basic information only.

    It lands in the agency's queue as `submitted`; a window clerk completes it.
    """
    check_applying(actor, person, RECORD_INTAKE, outlet=outlet, upto="where")
    refuse_first(kind_refusals(type=type, reason=reason))
    check_acting_party(subject=person, actor=applicant, relation=relation)
    try:
        with transaction.atomic():
            lock_one(Person, person.pk)
            check_applying(actor, person, RECORD_INTAKE, outlet=outlet)
            app = new_application(
                actor,
                type=type,
                reason=reason,
                person=person,
                applicant=applicant,
                relation=relation,
                outlet=outlet,
            )
            app.save(force_insert=True)
            record_step(actor, app, {}, note=note or "preliminary intake")
            return app
    except IntegrityError:
        raise another_open() from None


def complete_intake(
    *,
    actor: Actor,
    application: CardApplication,
    documents: list[str] | None,
    outlet: Outlet,
    bank: Bank | None = None,
    production: str = Production.BATCH,
    delivery: str = Delivery.PICKUP,
    mail_address: str = "",
    fee_waiver: str = "",
) -> CardApplication:
    """A window clerk checks the documents of an intake and issues the receipt."""
    app = application
    check_application_action(actor, app, COMPLETE_INTAKE, outlet=outlet, bank=bank, upto="where")
    docs = check_counter_request(
        type=app.type,
        reason=app.reason,
        production=production,
        delivery=delivery,
        mail_address=mail_address,
        fee_waiver=fee_waiver,
        outlet=outlet,
        person=app.person,
        applicant=app.applicant,
        relation=app.applicant_relation,
        documents=documents,
    )
    with transaction.atomic():
        lock_one(Person, app.person_id)
        app = lock_one(CardApplication, app.pk)
        check_application_action(actor, app, COMPLETE_INTAKE, outlet=outlet, bank=bank)
        terms = settle_terms(
            actor=actor,
            type=app.type,
            reason=app.reason,
            person=app.person,
            outlet=outlet,
            bank=bank,
            fee_waiver=fee_waiver,
        )
        put_terms(
            app,
            terms,
            documents=docs,
            outlet=outlet,
            production=production,
            delivery=delivery,
            mail_address=mail_address,
        )
        save(app, *TERMS_FIELDS)
        issue_receipt(actor, app, terms)
        return app


# What completing an intake writes on it, besides the receipt.
TERMS_FIELDS = (
    "documents",
    "outlet",
    "bank",
    "production",
    "delivery",
    "mail_address",
    "fee_amount",
    "fee_waived",
    "fee_waiver",
    "old_card",
)

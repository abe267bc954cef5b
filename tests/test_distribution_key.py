"""The distributed design (docs/scale-out.md) against the schema as it is.

Every model holding a person's data (a chain of foreign keys leads from it to people.Person)
must be named in the document's table of person-owned tables, with where it goes when sscard
runs on a distributed PostgreSQL: a new person-owned model cannot be added without that
decision. The schema does not carry the distribution key yet: every unique constraint of those
tables that lacks it is listed under "To do before distributing", and so must be any new one.
Reference tables hold no person's data, and local ones only where the table of person-owned
tables says so."""

from __future__ import annotations

import re
from io import StringIO
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection, models

from sscard.applications.models import CardApplication
from sscard.applications.services.renewal import remind_expiring_cards
from sscard.audit.models import AuditEvent
from sscard.cards.models import Card, CardStatus, LossReport
from sscard.common import clock
from sscard.common.context import Actor, Channel, Role
from sscard.ecard.selectors import ecard_in_force
from sscard.ecard.services import issue_ecard
from sscard.outlets.models import Outlet
from sscard.partners.services import issue_citizen_token
from sscard.people.buckets import bucket_of
from sscard.people.models import Person
from sscard.records.booking import book
from sscard.records.feeds import check_records
from sscard.records.permissions import Reader
from sscard.records.services import open_dispute, record_authorisation
from sscard.records.statement_run import make_statements, queue_statements
from sscard.signin.services import send_confirmation_code
from sscard.staff.pin_pads import open_pin_pad
from tests.console_support import add_staff
from tests.records_support import record, seed_rates

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scale-out.md"
# The distribution column of person-owned tables.
DISTRIBUTION_COLUMN = "bucket"
PERSON = ("people", "Person")


def _section(title: str) -> str:
    """The text under the heading that starts with `title`, up to the next heading of the same
    or a higher level."""
    lines = DOC.read_text(encoding="utf-8").splitlines()
    for start, line in enumerate(lines):
        match = re.match(r"(#+) (?:\d+\. )?(.*)", line)
        if match and match.group(2).startswith(title):
            level = len(match.group(1))
            body = []
            for following in lines[start + 1 :]:
                heading = re.match(r"(#+) ", following)
                if heading and len(heading.group(1)) <= level:
                    break
                body.append(following)
            return "\n".join(body)
    raise AssertionError(f"docs/scale-out.md has no section {title!r}")


def _first_column(section: str) -> set[str]:
    """The table names in backticks in the first cell of each row of the section's tables."""
    names: set[str] = set()
    for line in section.splitlines():
        if line.startswith("|") and not re.match(r"\|\s*-", line):
            names.update(re.findall(r"`([a-z_]+)`", line.split("|")[1]))
    return names


def _leads_to_person(model: type[models.Model], seen: frozenset[type[models.Model]]) -> bool:
    if (model._meta.app_label, model._meta.object_name) == PERSON:
        return True
    related = [
        field.related_model
        for field in model._meta.concrete_fields
        if field.is_relation and isinstance(field.related_model, type)
    ]
    return any(
        _leads_to_person(other, seen | {model}) for other in related if other not in seen | {model}
    )


def person_owned() -> dict[str, type[models.Model]]:
    """The models with a foreign-key path to people.Person (Person itself included), by
    table name."""
    return {
        model._meta.db_table: model
        for model in apps.get_models()
        if _leads_to_person(model, frozenset())
    }


def unique_without_key(model: type[models.Model]) -> list[str]:
    """The unique constraints of a model that do not include the distribution column: a
    column's own (`table.column`) and the named constraints. The primary key is left out: the
    document says once what becomes of every primary key."""
    found = [
        f"{model._meta.db_table}.{field.column}"
        for field in model._meta.concrete_fields
        if field.unique and not field.primary_key
    ]
    found += [
        constraint.name
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
        and DISTRIBUTION_COLUMN not in constraint.fields
    ]
    return found


def test_the_person_owned_models_are_those_the_design_was_made_for() -> None:
    # A change here is a new decision to write into docs/scale-out.md, not just a new name.
    assert sorted(person_owned()) == [
        "applications_applicationevent",
        "applications_cardapplication",
        "applications_expiryreminder",
        "calls_call",
        "cards_card",
        "cards_lossreport",
        "ecard_electroniccard",
        "notifications_deliveryattempt",
        "notifications_outboxmessage",
        "partners_citizentoken",
        "people_guardianship",
        "people_onetimecode",
        "people_person",
        "records_authorisation",
        "records_contributionrecord",
        "records_contributionversion",
        "records_dispute",
        "records_yearlystatement",
        "staff_pinpadrequest",
    ]


def test_every_person_owned_table_is_in_the_table_of_person_owned_tables() -> None:
    named = _first_column(_section("Person-owned tables"))

    assert sorted(set(person_owned()) - named) == []


def test_the_table_of_person_owned_tables_names_only_person_owned_tables() -> None:
    named = _first_column(_section("Person-owned tables"))

    assert sorted(named - set(person_owned())) == []


def _kept_local() -> set[str]:
    """The person-owned tables the document keeps local rather than distributed: their row in
    the table of person-owned tables says **local**."""
    return {
        name
        for line in _section("Person-owned tables").splitlines()
        if line.startswith("|") and "**local**" in line
        for name in re.findall(r"`([a-z_]+)`", line.split("|")[1])
    }


def test_reference_and_local_tables_hold_no_persons_data_but_those_decided() -> None:
    reference = _first_column(_section("Reference tables"))
    local = _first_column(_section("Local tables"))
    tables = {model._meta.db_table for model in apps.get_models()}

    assert sorted((reference | local) - tables) == []
    assert sorted(reference & set(person_owned())) == []
    assert sorted(local & set(person_owned())) == sorted(_kept_local())


def test_every_table_has_its_place() -> None:
    placed = (
        _first_column(_section("Person-owned tables"))
        | _first_column(_section("Other distributed tables"))
        | _first_column(_section("Reference tables"))
        | _first_column(_section("Local tables"))
    )
    tables = {model._meta.db_table for model in apps.get_models()}

    assert sorted(tables - placed) == []


def distributed() -> dict[str, type[models.Model]]:
    """The person-owned models distributed by the bucket: all but those kept local."""
    return {t: m for t, m in person_owned().items() if t not in _kept_local()}


def test_every_distributed_person_owned_table_has_the_distribution_column() -> None:
    def column(model: type[models.Model]) -> tuple[str, bool, bool] | None:
        for field in model._meta.concrete_fields:
            if field.name == DISTRIBUTION_COLUMN:
                return (field.get_internal_type(), field.null, field.editable)
        return None

    assert {t: column(m) for t, m in distributed().items()} == {
        t: ("SmallIntegerField", False, False) for t in distributed()
    }
    assert {t: column(m) for t, m in person_owned().items() if t in _kept_local()} == {
        t: None for t in _kept_local()
    }


def test_every_unique_constraint_of_a_distributed_table_includes_the_key() -> None:
    assert {t: unique_without_key(m) for t, m in distributed().items()} == {
        t: [] for t in distributed()
    }


def test_every_unique_constraint_is_in_the_documents_table_of_unique_keys() -> None:
    # The table says for each unique key what it is now and why the bucket is where it is.
    table = _section("Unique constraints of person-owned tables")
    missing = [
        name
        for model in person_owned().values()
        for name in unique_names(model)
        if f"`{name}`" not in table
    ]

    assert missing == []


def unique_names(model: type[models.Model]) -> list[str]:
    """A model's unique keys: a column's own (`table.column`) and the named constraints."""
    return [
        f"{model._meta.db_table}.{field.column}"
        for field in model._meta.concrete_fields
        if field.unique and not field.primary_key
    ] + [
        constraint.name
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
    ]


def rows_off_their_owners_bucket() -> dict[str, int]:
    """For each distributed table but the person's, how many of its rows carry another bucket
    than the row they belong to (the person, or the parent row: by the chain, the person)."""
    found = {}
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, model in distributed().items():
            owner = getattr(model, "bucket_owner", None)
            if owner is None:
                continue
            field = model._meta.get_field(owner)
            assert isinstance(field, models.ForeignKey)
            related = field.related_model
            assert not isinstance(related, str)
            cursor.execute(
                f"SELECT count(*) FROM {quote(table)} t JOIN {quote(related._meta.db_table)} o"
                f" ON o.{quote(related._meta.pk.column)} = t.{quote(field.column)}"
                f" WHERE o.bucket <> t.bucket"
            )
            found[table] = cursor.fetchone()[0]
    return found


@pytest.mark.django_db(transaction=True)
def test_after_the_demo_and_the_services_every_row_carries_its_persons_bucket() -> None:
    seed_rates()  # a migration's data, gone if a transactional test ran before
    call_command("demo", people=200, verbosity=0)
    # What the demo leaves out, through the services that write it.
    holder = next(
        p
        for p in Person.objects.filter(cards__status=CardStatus.NORMAL).order_by("pk")
        if ecard_in_force(p) is None
    )
    issue_ecard(actor=Actor.system(), holder=holder)
    issue_citizen_token(person=holder)
    send_confirmation_code(person=holder, client_address="192.0.2.1")
    remind_expiring_cards()
    checked = check_records([record(holder, month="2024-03"), record(holder, month="2024-04")])
    book([c for _, c in checked.valid], actor=Actor.system(), source="test")
    changed = check_records([record(holder, month="2024-03", base="9000.00")])
    book([c for _, c in changed.valid], actor=Actor.system(), source="test")
    window = Outlet.objects.filter(bank__isnull=True).order_by("pk").first()
    assert window is not None
    clerk = Actor(
        kind="staff",
        id="window-clerk-1",
        role=Role.WINDOW_CLERK,
        channel=Channel.WINDOW,
        outlet_code=window.code,
    )
    today = clock.today()
    record_authorisation(
        actor=clerk,
        person=holder,
        authorised=Person.objects.exclude(pk=holder.pk).filter(guardianships=None)[0],
        insurances=["pension"],
        starts_on=today,
        ends_on=today.replace(year=today.year + 1),
        document="委托书 2026-001",
    )
    open_dispute(
        reader=Reader(actor=Actor.citizen(holder.pk, Channel.WEB), person=holder),
        person=holder,
        insurance="pension",
        month=f"{today:%Y-%m}",
        reason="未记入",
    )
    open_pin_pad(
        member=add_staff("window_clerk", window, "clerk").staff_member,
        purpose="reset",
        card=holder.cards.get(status=CardStatus.NORMAL),
        presenter=holder,
        relation="self",
        documents=["id_card"],
    )
    queue_statements(year=2024, actor=Actor.system(), background=False)
    make_statements(2024)
    call_command("worker", "--once", "--no-sweep", stdout=StringIO())

    counts = {t: m._base_manager.count() for t, m in distributed().items()}
    assert sorted(t for t, n in counts.items() if n == 0) == []
    people = list(Person.objects.values_list("social_security_number", "bucket"))
    assert [(n, b) for n, b in people if bucket_of(n) != b] == []
    assert rows_off_their_owners_bucket() == {t: 0 for t in distributed() if t != "people_person"}

    # A person's history is one chain: each event about their card, report, application or
    # themselves is in their bucket.
    owners = {
        "card": dict(Card.objects.values_list("number", "bucket")),
        "loss_report": dict(LossReport.objects.values_list("reference", "bucket")),
        "card_application": dict(CardApplication.objects.values_list("number", "bucket")),
        "person": {str(pk): b for pk, b in Person.objects.values_list("pk", "bucket")},
    }
    events = AuditEvent.objects.filter(object_type__in=owners).values_list(
        "object_type", "object_id", "bucket"
    )
    assert len(events) > 100
    assert [e for e in events if owners[e[0]][e[1]] != e[2]] == []

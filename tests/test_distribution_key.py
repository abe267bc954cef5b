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
from pathlib import Path

from django.apps import apps
from django.db import models

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "scale-out.md"
# The distribution column of person-owned tables in the design; no table has it yet.
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


def test_no_person_owned_table_has_the_distribution_column_yet() -> None:
    # The schema is not changed by the design: when the column comes, this test and the to-do
    # list change with it.
    with_key = [
        table
        for table, model in person_owned().items()
        if any(field.name == DISTRIBUTION_COLUMN for field in model._meta.concrete_fields)
    ]

    assert with_key == []


def test_every_unique_constraint_without_the_key_is_in_the_to_do_list() -> None:
    to_do = _section("To do before distributing")
    missing = [
        name
        for model in person_owned().values()
        for name in unique_without_key(model)
        if f"`{name}`" not in to_do
    ]

    assert missing == []

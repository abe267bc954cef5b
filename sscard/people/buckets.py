"""The person's bucket: the distribution key of every table of a person's data.

A bucket is a number from 0 to 4095, computed once when a person is recorded as
HMAC-SHA256(BUCKET_KEY, ID number) modulo 4096, and never changed: a corrected ID number keeps
it (docs/scale-out.md section 2). Every row of a person's data carries the bucket of the person
it belongs to (a child row its parent's), so that a distributed PostgreSQL keeps a person's rows
in one shard and a unique constraint that includes the bucket is enforced there.

`PersonOwned` is the one place that fills the column: `save()` takes the bucket from the row's
owner when it is not set, and so does `bulk_create`. Bulk paths that write with COPY name the
column and give it explicitly.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, TypeVar

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from sscard.common.buckets import BUCKETS, keyed_bucket

COLUMN = "bucket"

_M = TypeVar("_M", bound=models.Model)


def bucket_of(social_security_number: str) -> int:
    """The bucket of a person recorded with this ID number (upper-case, as stored)."""
    return keyed_bucket(social_security_number.upper())


def bucket_field() -> models.SmallIntegerField[int, int]:
    """The column: smallint, set when the row is created and never edited."""
    return models.SmallIntegerField(
        editable=False, validators=[MinValueValidator(0), MaxValueValidator(BUCKETS - 1)]
    )


def fill_buckets(model: type[models.Model], rows: Sequence[models.Model]) -> None:
    """Set the bucket of each row that has none, from its owner (`model.bucket_owner`): a
    person computes theirs from the ID number; other rows take their owner's, from the owner
    already loaded with the row or else read in one query for all the rows."""
    missing = [row for row in rows if getattr(row, COLUMN) is None]
    if not missing:
        return
    owner_name = getattr(model, "bucket_owner", None)
    if owner_name is None:  # the person
        for row in missing:
            setattr(row, COLUMN, bucket_of(row.social_security_number))  # type: ignore[attr-defined]
        return
    field = model._meta.get_field(owner_name)
    assert isinstance(field, models.ForeignKey)
    unread: dict[int, list[models.Model]] = {}
    for row in missing:
        if field.is_cached(row):
            owner = field.get_cached_value(row)
            if owner is not None and getattr(owner, COLUMN) is not None:
                setattr(row, COLUMN, getattr(owner, COLUMN))
                continue
        owner_id = getattr(row, field.attname)
        if owner_id is None:
            raise ValueError(
                f"A {model._meta.label} row has no {owner_name}: it cannot have a bucket."
            )
        unread.setdefault(owner_id, []).append(row)
    if unread:
        owner_model = field.related_model
        assert not isinstance(owner_model, str)
        found = dict(
            owner_model._base_manager.filter(pk__in=list(unread)).values_list("pk", COLUMN)
        )
        for owner_id, owned in unread.items():
            for row in owned:
                setattr(row, COLUMN, found[owner_id])


class BucketQuerySet(models.QuerySet[_M]):
    """A queryset whose bulk_create fills the rows' buckets first (bulk_create calls no
    save())."""

    def bulk_create(self, objs: Iterable[_M], *args: Any, **kwargs: Any) -> list[_M]:
        rows = list(objs)
        fill_buckets(self.model, rows)
        return super().bulk_create(rows, *args, **kwargs)


class PersonOwned(models.Model):
    """A row of a person's data: it carries the bucket of the person it belongs to, taken from
    the foreign key named by `bucket_owner` (the person, or the parent row) when the row is
    created."""

    bucket = bucket_field()

    # The foreign key to the person this row belongs to, or to its parent row.
    bucket_owner: ClassVar[str | None] = "person"

    objects = BucketQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.bucket is None:
            fill_buckets(type(self), [self])
        super().save(*args, **kwargs)


# ---------------------------------------------------------------- the migrations that add it

BATCH = 5000


def fill_people(apps: Any, schema_editor: Any) -> None:
    """Migration step: every person without a bucket gets their ID number's, in batches by
    primary key."""
    person_model = apps.get_model("people", "Person")
    rows = person_model._base_manager.filter(bucket__isnull=True).order_by("pk")
    last = 0
    while batch := list(rows.filter(pk__gt=last).only("pk", "social_security_number")[:BATCH]):
        for person in batch:
            person.bucket = bucket_of(person.social_security_number)
        person_model._base_manager.bulk_update(batch, [COLUMN])
        last = batch[-1].pk


def fill_from_owner(app_label: str, model_name: str, owner: str) -> Any:
    """Migration step: the rows of a model without a bucket take their owner's (the row the
    foreign key `owner` points at, filled before), in batches of one statement each that
    SQLite and PostgreSQL both run. Rows without an owner are left for the caller."""

    def fill(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)
        field = model._meta.get_field(owner)
        quote = schema_editor.quote_name
        table, pk = quote(model._meta.db_table), quote(model._meta.pk.column)
        owner_table = quote(field.related_model._meta.db_table)
        owner_pk = quote(field.related_model._meta.pk.column)
        column = quote(field.column)
        bucket = quote(COLUMN)
        sql = (
            f"UPDATE {table} SET {bucket} = (SELECT o.{bucket} FROM {owner_table} o"
            f" WHERE o.{owner_pk} = {table}.{column}) WHERE {pk} IN (SELECT t.{pk} FROM {table} t"
            f" JOIN {owner_table} o ON o.{owner_pk} = t.{column}"
            f" WHERE t.{bucket} IS NULL AND o.{bucket} IS NOT NULL LIMIT {BATCH})"
        )
        with schema_editor.connection.cursor() as cursor:
            while True:
                cursor.execute(sql)
                if cursor.rowcount <= 0:
                    break

    return fill

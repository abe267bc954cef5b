"""Row locks in a fixed order, so concurrent services never wait on each other in a cycle.

The order across models is: Person, Card, LossReport, CardApplication, the records' rows
(Authorisation, Dispute, ContributionRecord), Sequence, AuditHead.
Within a model rows are locked in primary-key order (Saleor's `lock_objects`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)


def lock(model: type[M], pks: Iterable[int]) -> dict[int, M]:
    wanted = sorted(set(pks))
    if not wanted:
        return {}
    rows = model._default_manager.select_for_update().filter(pk__in=wanted).order_by("pk")
    return {row.pk: row for row in rows}


def lock_one(model: type[M], pk: int) -> M:
    return lock(model, [pk])[pk]

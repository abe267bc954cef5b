"""What staff do in the console that changes no record but is recorded in the audit log: a list
exported as a file, a receipt printed, the audit chain verified."""

from __future__ import annotations

from django.db import transaction

from sscard.applications.models import CardApplication
from sscard.applications.permissions import PRINT_RECEIPT, application_actions
from sscard.audit.checkpoints import AuditReport, verify_audit
from sscard.audit.services import record_event
from sscard.common.context import Actor


def record_export(*, actor: Actor, list_name: str, rows: int, filters: dict[str, str]) -> None:
    """A list leaving the console as a file is recorded (masked data, but many rows)."""
    with transaction.atomic():
        record_event(
            actor=actor,
            action="list.exported",
            object_type="list",
            object_id=list_name,
            before={},
            after={"rows": rows, "filters": filters},
        )


def record_receipt_print(*, actor: Actor, application: CardApplication) -> None:
    """A printed receipt is a document handed to a person: who printed which, and when. It is
    printed by the outlet that issued it (the actor's), once issued."""
    application_actions(application, actor).check(PRINT_RECEIPT)
    with transaction.atomic():
        record_event(
            actor=actor,
            action="receipt.printed",
            object_type="card_application",
            object_id=application.number,
            bucket=application.bucket,
            before={},
            after={"receipt_number": application.receipt_number},
        )


def verify_audit_chain(*, actor: Actor) -> AuditReport:
    """Walk the chains and the signed checkpoints (`verify_audit`, as `sscard audit verify`
    does), then record who verified them and what was found."""
    report = verify_audit()
    chains, points = report.chains, report.checkpoints
    with transaction.atomic():
        record_event(
            actor=actor,
            action="audit.chain_verified",
            object_type="audit",
            object_id="chain",
            before={},
            after={
                "ok": report.ok,
                "checked": chains.checked,
                "broken_at": chains.broken_at,
                "checkpoints": points.checked,
                "checkpoint_broken_at": points.broken_at,
            },
        )
    return report

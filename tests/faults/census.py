"""`python -m tests.faults.census`: what the database of DATABASE_URL holds of loss reports and
their traces, as JSON, for a fault scenario whose server ran against a database the test process
does not reach through Django (a private PostgreSQL cluster, a SQLite file on a full disk).

For each report: its card's status, its audit events, and the outbox messages that name it. A
report written whole has all three; a half-written one would lack some.
"""

from __future__ import annotations

import json
import sys

import django


def main() -> None:
    django.setup()
    from sscard.audit.models import AuditEvent
    from sscard.cards.models import LossReport
    from sscard.notifications.models import OutboxMessage

    events: dict[str, int] = {}
    for reference in AuditEvent.objects.filter(
        object_type="loss_report", action="loss_report.created"
    ).values_list("object_id", flat=True):
        events[reference] = events.get(reference, 0) + 1
    outbox = [
        (topic, json.dumps(payload))
        for topic, payload in OutboxMessage.objects.values_list("topic", "payload")
    ]
    reports = {}
    for reference, card_status in LossReport.objects.values_list("reference", "card__status"):
        reports[reference] = {
            "card_status": card_status,
            "audit_events": events.get(reference, 0),
            "outbox": sorted(topic for topic, text in outbox if f'"{reference}"' in text),
        }
    json.dump({"reports": reports}, sys.stdout)


if __name__ == "__main__":
    main()

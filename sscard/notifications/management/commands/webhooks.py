"""`sscard webhooks replay`: send webhooks to banks again (the bank drops duplicates by id)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from sscard.notifications.delivery import replay_webhooks
from sscard.partners.models import Bank


def moment(value: str) -> dt.datetime:
    """An ISO date or date-time; without a zone it is local time (SSCARD_TIME_ZONE)."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"not an ISO date or date-time: {value!r}") from None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


class Command(BaseCommand):
    help = (
        "Webhooks to banks. `sscard webhooks replay` sends events again: by event id, by bank "
        "and time range (--bank, --since, --until), or every dead letter (--dead). The events "
        "go back to pending with a fresh set of tries, and the worker sends them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["replay"])
        parser.add_argument("event_ids", nargs="*", metavar="EVENT_ID", help="event ids (UUID)")
        parser.add_argument("--bank", help="only this bank's events (bank code)")
        parser.add_argument("--since", type=moment, help="created at or after (ISO)")
        parser.add_argument("--until", type=moment, help="created before (ISO)")
        parser.add_argument("--dead", action="store_true", help="only dead letters")
        parser.add_argument("--dry-run", action="store_true", help="list, change nothing")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            ids = [uuid.UUID(value) for value in options["event_ids"]]
        except ValueError as exc:
            raise CommandError(f"an event id is not a UUID: {exc}") from None
        bank = options["bank"]
        if not (ids or bank or options["dead"] or options["since"] or options["until"]):
            raise CommandError("say which events: ids, --bank, --since/--until or --dead")
        if bank and not Bank.objects.filter(code=bank).exists():
            raise CommandError(f"no bank with code {bank!r}")
        done = replay_webhooks(
            ids=ids,
            bank_code=bank,
            since=options["since"],
            until=options["until"],
            dead_only=options["dead"],
            dry_run=options["dry_run"],
        )
        for r in done:
            if not r.replayed:
                action = "left alone: being delivered now"
            else:
                action = "would be sent again" if options["dry_run"] else "queued to send again"
            created = timezone.localtime(r.created_at).isoformat(timespec="seconds")
            self.stdout.write(f"{r.message_id} {r.topic} {r.bank_code} {created} {r.was}: {action}")
        replayed = sum(r.replayed for r in done)
        verb = "would replay" if options["dry_run"] else "replayed"
        self.stdout.write(f"{verb} {replayed} webhook(s); {len(done) - replayed} left alone")
        missing = set(ids) - {r.message_id for r in done}
        if missing:
            raise CommandError(
                "no such webhook event, or not matching the options: "
                + ", ".join(sorted(str(pk) for pk in missing))
            )

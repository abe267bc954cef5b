"""`sscard demo`: load the deterministic demo data for Guangzhou and print what was loaded."""

from __future__ import annotations

import time
from collections import Counter
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q
from django.utils import timezone

from sscard.applications.models import ApplicationStatus, CardApplication
from sscard.audit.checkpoints import verify_audit
from sscard.cards.models import IN_HAND_STATUSES, Card, CardStatus
from sscard.cards.selectors import STATUS_FIELDS, effective_of_row
from sscard.common import clock
from sscard.common.models import Sequence
from sscard.demo.bulk import load_people_and_cards, wipe
from sscard.demo.expiring import bring_expiries_near
from sscard.demo.planning import DEMO_MARK, DEMO_PIN, SEED
from sscard.demo.records import load_records
from sscard.demo.reference import load_reference_data
from sscard.demo.scenarios import run_scenarios
from sscard.demo.staff import DEMO_STAFF_PASSWORD, ensure_demo_staff
from sscard.demo.terminal import ensure_demo_terminal
from sscard.outlets.models import Outlet, OutletType
from sscard.people.masking import mask_id_number, mask_name, mask_phone
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import guardianships_in_force


class Command(BaseCommand):
    help = (
        "Load deterministic demo data for Guangzhou (广州): banks, outlets, two regional "
        "policies, N people with guardians and cards (bulk), then a few hundred people's "
        "recent history played through the real services. Does nothing on a database that "
        "already has people, unless --force, which first wipes the demo's tables."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=2000, help="how many people (2000)")
        parser.add_argument(
            "--force",
            action="store_true",
            help="wipe people, cards, applications, outbox and the audit log first",
        )
        parser.add_argument(
            "--no-scenarios",
            action="store_true",
            help="bulk data only: no loss reports, applications or audit events",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        people: int = options["people"]
        if people < 100:
            raise CommandError("--people must be at least 100 for every story to find a cast")
        existing = Person.objects.count()
        if existing and not options["force"]:
            self.stdout.write(
                f"The database already has {existing} people: no demo data loaded. "
                "Run `demo --force` to wipe it and load again."
            )
            if Sequence.objects.filter(name=DEMO_MARK).exists():
                self._staff()
            return
        if options["force"]:
            if existing and not Sequence.objects.filter(name=DEMO_MARK).exists():
                raise CommandError(
                    "This database holds people that `demo` did not load: refusing to wipe it."
                )
            wiped = wipe()
            self.stdout.write(f"Wiped: {', '.join(wiped)}")
        progress = options["verbosity"] >= 1
        started = time.monotonic()
        load_reference_data()
        bulk = load_people_and_cards(people=people, seed=SEED, progress=progress)
        near = bring_expiries_near(bulk)
        loaded = time.monotonic()
        self.stdout.write(
            f"Loaded {bulk.people} people, {bulk.guardianships} guardianships and "
            f"{bulk.cards} cards in {loaded - started:.1f} s; {near} cards expire within "
            "90 days."
        )
        self.stdout.write(
            "Bulk load: " + ", ".join(f"{what} {took} s" for what, took in bulk.seconds.items())
        )
        records = load_records(seed=SEED, anchor=bulk.anchor)
        recorded = time.monotonic()
        self.stdout.write(
            f"Loaded {records.records} contribution records of {records.people} people of "
            f"working age ({records.employers} employers) in {recorded - loaded:.1f} s."
        )
        loaded = recorded
        if not options["no_scenarios"]:
            scale = max(1, min(10, people // 200))
            played = run_scenarios(bulk, seed=SEED, scale=scale)
            self.stdout.write(
                f"Played {sum(played.stories.values())} stories ({played.steps} steps) through "
                f"the services in {time.monotonic() - loaded:.1f} s."
            )
            report = verify_audit()
            if not report.ok:
                raise CommandError(f"after the demo, {report.problem}")
        Sequence.objects.update_or_create(name=DEMO_MARK, defaults={"value": people})
        self._summary()
        self.stdout.write(
            f"Every card activated before the demo has the PIN {DEMO_PIN}; "
            "cards activated in the stories have it too unless it is weak for the holder."
        )
        self._staff()

    def _staff(self) -> None:
        """The demo's console users, one per role (made if missing)."""
        staff = ensure_demo_staff()
        w = self.stdout.write
        w("")
        w(f"Staff console /console/ users (password {DEMO_STAFF_PASSWORD}):")
        for spec in staff:
            w(f"  {spec.username:<18} {spec.role:<16} {spec.outlet_code}")
        terminal = ensure_demo_terminal()
        w(
            f"Self-service terminal /kiosk/: API client {terminal.name} at outlet "
            f"{terminal.outlet.code if terminal.outlet else ''} (instant issuance); "
            f"`sscard kiosk enrol --client {terminal.name}` prints its enrolment address."
        )

    def _summary(self) -> None:
        now = clock.now()
        statuses: Counter[str] = Counter(
            dict(Card.objects.values_list("status").annotate(n=Count("pk")).order_by())
        )
        # Stored and effective status differ only where a lapse or an expiry is not yet written.
        stale = Card.objects.filter(
            Q(lost_until__lte=now)
            | Q(status__in=IN_HAND_STATUSES, expires_on__lt=timezone.localdate(now))
        ).values_list(*STATUS_FIELDS)
        for row in stale:
            state = effective_of_row(row, now)
            statuses[row[0]] -= 1
            statuses[state.status] += 1
        examples = {
            status: Card.objects.filter(status=status)
            .order_by("-pk")
            .values_list("number", flat=True)
            .first()
            for status in CardStatus.values
        }
        apps = dict(
            CardApplication.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        outlets = dict(Outlet.objects.values_list("type").annotate(n=Count("pk")).order_by())
        w = self.stdout.write
        w("")
        w(
            f"People: {Person.objects.count()}  guardianships: {Guardianship.objects.count()}"
            f" ({guardianships_in_force().count()} in force)"
        )
        w("Cards by status (effective now), with an example card number:")
        for status in CardStatus.values:
            w(f"  {status:<20} {statuses.get(status, 0):>9}  {examples.get(status) or '-'}")
        w("Applications by status:")
        for status in ApplicationStatus.values:
            w(f"  {status:<20} {apps.get(status, 0):>9}")
        w("Outlets by type:")
        for kind in OutletType.values:
            w(f"  {kind:<24} {outlets.get(kind, 0):>5}")
        w("Some people (masked):")
        for person in Person.objects.order_by("pk")[:3]:
            w(
                f"  {mask_id_number(person.social_security_number)}  {mask_name(person.name)}  "
                f"{mask_phone(person.phone)}"
            )

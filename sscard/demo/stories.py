"""The demo's stories: each a generator that yields the moment of its next step and then takes
it through the real services (loss reports, lifting, reissues stopped at every stage, instant
issuance, PINs, the nightly sweep)."""

from __future__ import annotations

import contextlib
import datetime as dt
import random
from typing import Any

from django.utils import timezone

from sscard.applications.models import ApplicationStatus as A
from sscard.applications.models import CardApplication, Delivery, Production
from sscard.applications.services.cancellation import cancel_application
from sscard.applications.services.intake import complete_intake, record_intake
from sscard.applications.services.production import issue_instantly, record_production_event
from sscard.cards.services import (
    lift_loss_report,
    reset_pin,
    verify_pin,
)
from sscard.common.context import Channel, Role
from sscard.common.errors import DomainError, ErrorCode
from sscard.demo.scenes import (
    TIANHE,
    Scenes,
    Story,
    Subject,
    Teller,
    demo_pin_for,
    sweep,
    wrong_pin,
)
from sscard.outlets.models import OutletType, Service
from sscard.partners.models import Bank


class Stories(Scenes):
    """What can happen to a subject, one method per kind of story."""

    def temporarily_lost(self, s: Subject, rng: random.Random, renew: bool = False) -> Story:
        """Reported lost by phone, online or at a terminal lately: blocked, not yet found."""
        if renew and s.district != TIANHE:
            first = self.at(rng, rng.uniform(5, 6.5))
            yield first
            report = self.report_temporary(s, rng)
            yield self.later(first, rng.uniform(5, 6), rng, "any")
            self.report_temporary(s, rng, report.channel)
            return
        yield self.now - dt.timedelta(hours=rng.uniform(1, 20))
        self.report_temporary(s, rng)

    def temporary_lapses(self, s: Subject, rng: random.Random) -> Story:
        """Reported lost, never followed up: the nightly sweep lapses the report. In 天河区
        the card is then cancelled, and the holder applies for a new one."""
        yield self.at(rng, rng.uniform(22, 30))
        self.report_temporary(s, rng)
        if s.district == TIANHE:
            agency = self.agency(s, rng)
            yield self.at(rng, rng.uniform(2, 6), office=True)
            self.apply(s, agency, rng, type="reissue")

    def found_and_lifted(self, s: Subject, rng: random.Random, online: bool) -> Story:
        start = self.at(rng, rng.uniform(3, 40))
        yield start
        report = self.report_temporary(s, rng, Channel.APP if online else "")
        if online:
            yield self.later(start, rng.uniform(0.05, 0.8), rng, "any")
            lift_loss_report(
                actor=self.citizen(s.actor_person, Channel.APP),
                report=report,
                lifter=s.actor_person,
                relation=s.acting_relation,
                reason="found it at home",
            )
            return
        outlet = self.agency(s, rng, Service.LIFT)
        yield self.later(start, rng.uniform(0.3, 1.2), rng)
        self.lift(s, report, outlet, rng, reason="card found")

    def formally_lost(self, s: Subject, rng: random.Random, converted: bool) -> Story:
        """Reported lost in writing; no reissue applied for yet."""
        assert s.card is not None and s.card.bank is not None
        if rng.random() < 0.5:
            outlet = self.bank_outlet(s.card.bank.code, s.district, rng)
        else:
            outlet = self.agency(s, rng)
        start = self.at(rng, rng.uniform(2, 20), office=not converted)
        yield start
        if converted:
            self.report_temporary(s, rng, Channel.HOTLINE)
            yield self.later(start, rng.uniform(0.2, 1.5), rng)
        self.report_formal(s, outlet, rng)

    def formal_then_found(self, s: Subject, rng: random.Random) -> Story:
        assert s.card is not None and s.card.bank is not None
        outlet = self.bank_outlet(s.card.bank.code, s.district, rng)
        start = self.at(rng, rng.uniform(5, 60), office=True)
        yield start
        report = self.report_formal(s, outlet, rng)
        yield self.later(start, rng.uniform(1, 4), rng)
        self.lift(s, report, outlet, rng, reason="card found in a coat pocket")

    def reissue_withdrawn(self, s: Subject, rng: random.Random) -> Story:
        """Applied for a reissue, then found the card: the application is cancelled."""
        agency = self.agency(s, rng, Service.LIFT)
        start = self.at(rng, rng.uniform(6, 30))
        yield start
        self.report_temporary(s, rng)
        visit = self.later(start, rng.uniform(0.2, 1.5), rng)
        yield visit
        report = self.report_formal(s, agency, rng)
        yield self.soon(visit, 9)
        app = self.apply(s, agency, rng, type="reissue")
        yield self.later(visit, rng.uniform(1, 3), rng)
        cancel_application(
            actor=self.counter(agency, rng), application=app, note="the applicant found the card"
        )
        if rng.random() < 0.6:
            self.lift(s, report, agency, rng, reason="card found")

    # How many days ago a story starts, by the status it stops at: room for every step.
    STARTS: dict[str, tuple[float, float]] = {
        A.SUBMITTED: (1, 10),
        A.RECEIPT_ISSUED: (1, 4),
        A.BANK_ACCEPTED: (10, 14),
        A.IN_PRODUCTION: (12, 18),
        A.PRODUCTION_FAILED: (16, 20),
        A.MAILED: (17, 19),
        A.READY_FOR_COLLECTION: (35, 60),
        A.COLLECTED: (40, 80),
        "activated": (40, 300),
        "retried": (50, 120),
        A.LAPSED: (400, 430),
    }

    def card_application(
        self,
        s: Subject,
        rng: random.Random,
        *,
        until: str,
        type: str = "reissue",
        reason: str = "",
        delivery: str = Delivery.PICKUP,
        intake: bool = False,
    ) -> Story:
        """Apply (after a loss, for a replacement or for a first card), then the bank's part up
        to `until`: acceptance, production (failing once if told), readiness or mailing,
        collection, activation."""
        low, high = self.STARTS[until]
        if intake:
            low, high = low + 8, high + 8
        start = self.at(rng, rng.uniform(low, high), office=type != "reissue")
        agency = self.agency(s, rng)
        options: dict[str, str] = {}
        if delivery == Delivery.MAIL:
            options.update(delivery=Delivery.MAIL, mail_address=s.person.address)
        yield start
        if type == "reissue":
            self.report_temporary(s, rng)
            visit = self.later(start, rng.uniform(0.2, 1.8), rng)
            yield visit
            self.report_formal(s, agency, rng)
            visit = self.soon(visit, 9)
            yield visit
            app = self.apply(s, agency, rng, type=type, **options)
        elif intake:
            community = self.of_type(OutletType.COMMUNITY_COMMITTEE, s.district, rng)
            app = record_intake(
                actor=self.staff(Role.COMMUNITY_CLERK, Channel.WINDOW, community),
                type=type,
                person=s.person,
                applicant=s.actor_person,
                relation=s.acting_relation,
                outlet=community,
                note="first card; documents to be checked at the agency",
            )
            if until == A.SUBMITTED:
                return
            visit = self.later(start, rng.uniform(2, 8), rng)
            yield visit
            app = complete_intake(
                actor=self.counter(agency, rng),
                application=app,
                documents=s.documents,
                outlet=agency,
                bank=self.bank_for_new_card(s, rng),
                **options,
            )
        else:
            visit = start
            extra = {"reason": reason} if reason else {}
            app = self.apply(s, agency, rng, type=type, **extra, **options)
        if until != A.RECEIPT_ISSUED:
            yield from self.production(s, app, rng, after=visit, until=until)

    def bank_for_new_card(self, s: Subject, rng: random.Random) -> Bank:
        banks = [o.bank for o in self._outlets(OutletType.BANK_OUTLET, s.district) if o.bank]
        return banks[rng.randrange(len(banks))]

    def production(
        self,
        s: Subject,
        app: CardApplication,
        rng: random.Random,
        *,
        after: dt.datetime,
        until: str,
    ) -> Story:
        """The bank's part: it accepts the receipt at a branch, its card centre makes the card
        overnight, and the branch hands it over."""
        assert app.bank is not None
        branch = self.bank_outlet(app.bank.code, s.district, rng)
        centre = self.card_centre(app.bank.code)
        moment = self.later(after, rng.uniform(1, 3), rng)
        yield moment
        app = record_production_event(
            actor=self.counter(branch, rng),
            application=app,
            type=A.BANK_ACCEPTED,
            outlet=branch,
            note="receipt checked",
        )
        if until == A.BANK_ACCEPTED:
            return
        moment = self.later(moment, 0.5, rng, "night")
        yield moment
        app = record_production_event(actor=centre, application=app, type=A.IN_PRODUCTION)
        if until in (A.PRODUCTION_FAILED, "retried"):
            moment = self.later(moment, rng.uniform(1, 2), rng, "office")
            yield moment
            app = record_production_event(
                actor=centre,
                application=app,
                type=A.PRODUCTION_FAILED,
                note="chip personalisation failed",
            )
            if until == A.PRODUCTION_FAILED:
                return
            moment = self.later(moment, 0.5, rng, "night")
            yield moment
            app = record_production_event(actor=centre, application=app, type=A.IN_PRODUCTION)
        if until == A.IN_PRODUCTION:
            return
        if app.delivery == Delivery.MAIL:
            moment = self.later(moment, rng.uniform(2, 3), rng)
            yield moment
            app = record_production_event(
                actor=centre,
                application=app,
                type=A.MAILED,
                tracking_number=f"SF{rng.randrange(10**12):012d}",
            )
            if until == A.MAILED:
                return
            moment = self.later(moment, rng.uniform(1, 2), rng)
            yield moment
            app = record_production_event(
                actor=centre, application=app, type=A.COLLECTED, note="delivered, signed for"
            )
        else:
            moment = self.later(moment, rng.uniform(10, 15), rng)
            yield moment
            app = record_production_event(
                actor=centre, application=app, type=A.READY_FOR_COLLECTION, outlet=branch
            )
            if until in (A.READY_FOR_COLLECTION, A.LAPSED):
                return  # a lapse is written by the nightly sweep a year later
            moment = self.later(moment, rng.uniform(1, 8), rng)
            yield moment
            app = record_production_event(
                actor=self.counter(branch, rng), application=app, type=A.COLLECTED, outlet=branch
            )
        if until == A.COLLECTED:
            return
        assert app.new_card is not None
        yield self.soon(moment, 6)
        self.activate(s, app.new_card, branch, rng)

    def instant_reissue(self, s: Subject, rng: random.Random) -> Story:
        """Lost, and made on the spot at an equipped bank outlet: activated the same visit."""
        assert s.card is not None and s.card.bank is not None
        outlet = self.instant_outlet(s.card.bank.code)
        assert outlet is not None
        start = self.at(rng, rng.uniform(4, 60))
        yield start
        self.report_temporary(s, rng, Channel.APP)
        visit = self.later(start, rng.uniform(0.2, 1.5), rng)
        yield visit
        self.report_formal(s, outlet, rng)
        app = self.apply(s, outlet, rng, type="reissue", production=Production.INSTANT)
        clerk = self.counter(outlet, rng)
        yield self.soon(visit, 20)
        app = issue_instantly(actor=clerk, application=app, outlet=outlet)
        yield self.soon(visit, 24)
        app = record_production_event(actor=clerk, application=app, type=A.COLLECTED, outlet=outlet)
        assert app.new_card is not None
        yield self.soon(visit, 27)
        self.activate(s, app.new_card, outlet, rng)

    def pin_locked(self, s: Subject, rng: random.Random, reset: bool) -> Story:
        """Wrong PINs at a self-service terminal until the PIN locks; perhaps reset later."""
        assert s.card is not None
        terminal = self.of_type(OutletType.SELF_SERVICE_TERMINAL, s.district, rng)
        actor = self.citizen(s.person, Channel.KIOSK, terminal)
        moment = self.at(rng, rng.uniform(2, 30))
        for attempt in range(10):
            yield self.soon(moment, attempt)
            try:
                verify_pin(actor=actor, card=s.card, pin=wrong_pin(rng))
            except DomainError as refused:
                if refused.code == ErrorCode.PIN_LOCKED:
                    break
        if reset:
            agency = self.agency(s, rng, Service.PIN_RESET)
            yield self.later(moment, rng.uniform(0.5, 2), rng)
            reset_pin(
                actor=self.counter(agency, rng),
                card=s.card,
                new_pin=demo_pin_for(s.person),
                documents=s.documents,
                outlet=agency,
            )

    def pin_slip(self, s: Subject, rng: random.Random) -> Story:
        """Two wrong PINs, then the right one: the counter starts again."""
        assert s.card is not None
        terminal = self.of_type(OutletType.SELF_SERVICE_TERMINAL, s.district, rng)
        actor = self.citizen(s.person, Channel.KIOSK, terminal)
        moment = self.at(rng, rng.uniform(1, 20))
        for attempt in range(2):
            yield self.soon(moment, attempt)
            with contextlib.suppress(DomainError):
                verify_pin(actor=actor, card=s.card, pin=wrong_pin(rng))
        yield self.soon(moment, 2)
        verify_pin(actor=actor, card=s.card, pin=demo_pin_for(s.person))

    def nightly_sweeps(self, days: int) -> Story:
        """What `manage.py sweep` does each night; the last run is now."""
        today = timezone.localdate(self.now)
        for back in range(days, 0, -1):
            yield self._local(today - dt.timedelta(days=back), 2 * 60)
            sweep()
        yield self.now - dt.timedelta(seconds=1)
        sweep()

    def _until(self, until: str, **options: Any) -> Teller:
        def story(s: Subject, rng: random.Random) -> Story:
            return self.card_application(s, rng, until=until, **options)

        return story

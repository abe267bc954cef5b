"""How to try each face of a running sscard: printed by `sscard serve` (and so `make run`) once
the server answers.

The demo's people are fictitious (`sscard demo` makes them up, with valid check digits), so the
portal's demo citizen is printed with the full ID number and phone a newcomer types to sign in.
On a database that `sscard demo` did not load, no person is printed at all.
"""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef
from django.urls import reverse

from sscard.cards.models import Card, CardStatus
from sscard.common import clock
from sscard.common.models import Sequence
from sscard.demo.planning import DEMO_MARK, DEMO_PIN
from sscard.demo.staff import DEMO_STAFF, DEMO_STAFF_PASSWORD
from sscard.demo.terminal import DEMO_TERMINAL
from sscard.kiosk.terminal import enrolment_code
from sscard.partners.models import ApiClient
from sscard.people.ids import born_by
from sscard.people.models import Person
from sscard.people.selectors import ADULT_AGE, guardianships_in_force


def _demo_citizen(today: dt.date) -> Person | None:
    """An adult with a phone and a card in normal use, and no ward (the parent comes next)."""
    usable = Card.objects.filter(person=OuterRef("pk"), status=CardStatus.NORMAL)
    return (
        Person.objects.filter(birth_date__lte=born_by(ADULT_AGE, today))
        .exclude(phone="")
        .filter(Exists(usable))
        .exclude(Exists(guardianships_in_force(on=today).filter(guardian=OuterRef("pk"))))
        .order_by("pk")
        .first()
    )


def _demo_parent(today: dt.date) -> tuple[Person, Person] | None:
    """A guardian with a phone, and one of the wards they act for today."""
    held = (
        guardianships_in_force(on=today)
        .exclude(guardian__phone="")
        .select_related("guardian", "ward")
        .order_by("pk")
        .first()
    )
    return (held.guardian, held.ward) if held else None


def lines(base_url: str) -> list[str]:
    """What to open and type to try the portal, the console, the API, the terminal and the voice
    menu of the server at `base_url` (no trailing slash)."""
    out = [f"sscard is serving at {base_url}/ (and its worker beside it)", ""]
    demo = Sequence.objects.filter(name=DEMO_MARK).exists()
    today = clock.today()
    out.append(f"Citizens' portal  {base_url}/")
    if demo:
        citizen = _demo_citizen(today)
        if citizen is not None:
            out.append(
                f"  a demo citizen:  ID number {citizen.social_security_number}  "
                f"phone {citizen.phone}"
            )
        parent = _demo_parent(today)
        if parent is not None:
            guardian, ward = parent
            out.append(
                f"  a parent:        ID number {guardian.social_security_number}  "
                f"phone {guardian.phone}  (acts for {ward.social_security_number})"
            )
        out.append(
            "  the one-time code comes by SMS: with the default console SMS backend the worker "
            "prints it below"
        )
        out.append(f"  (demo people are fictitious; their activated cards have the PIN {DEMO_PIN})")
    out.append(f"Staff console     {base_url}/console/")
    users = set(get_user_model().objects.values_list("username", flat=True))
    demo_staff = [spec for spec in DEMO_STAFF if spec.username in users]
    if demo_staff:
        out.append(f"  users (password {DEMO_STAFF_PASSWORD}):")
        out += [
            f"    {spec.username:<18} {spec.role:<16} {spec.outlet_code}" for spec in demo_staff
        ]
    else:
        out.append("  no staff users yet: `sscard createsuperuser`, then add staff in /admin/")
    out.append(f"Administration    {base_url}/admin/ (an admin or a superuser)")
    out += [
        f"HTTP API v1       {base_url}/api/v1/docs  (OpenAPI: {base_url}/api/v1/openapi.json)",
        "  a token:        sscard token create --name try-it --scopes cards:verify",
        f"  then:           curl -H 'Authorization: Bearer TOKEN' {base_url}/api/v1/ping",
    ]
    out.append(f"Terminal          {base_url}/kiosk/")
    terminal = ApiClient.objects.filter(name=DEMO_TERMINAL, revoked_at__isnull=True).first()
    if terminal is not None:
        enrol = reverse("kiosk:enrol", args=[enrolment_code(terminal)])
        out.append(f"  enrol this browser once (within a day): {base_url}{enrol}")
    else:
        out.append(f"  enrol a terminal: sscard kiosk enrol --outlet CODE --base-url {base_url}")
    out += [
        f"Voice menu 12333  sscard call --url {base_url}  (type the keys; --speak FOLDER speaks)",
        f"Health            {base_url}/healthz  {base_url}/readyz",
    ]
    return out

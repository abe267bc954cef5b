"""`manage.py demo`: Guangzhou's reference data, the bulk load and the stories, end to end."""

from __future__ import annotations

import datetime as dt
import re
from io import StringIO
from typing import Any

import pytest
from django.apps import apps
from django.core.management import call_command
from stdnum.cn import ric

from sscard.applications.models import ApplicationStatus, CardApplication
from sscard.audit.models import AuditHead
from sscard.audit.services import verify_chain
from sscard.cards.holders import check_acting_party, notification_recipients
from sscard.cards.models import Card, CardStatus, LossKind, LossReport
from sscard.cards.numbers import card_number_for, is_valid_card_number
from sscard.cards.pins import pin_matches
from sscard.cards.selectors import effective_of
from sscard.common import clock
from sscard.common.models import Sequence
from sscard.demo.guangzhou import SERVICES
from sscard.demo.planning import DEMO_PIN, Planner, anchor_date
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.people.ids import age_on, parse_citizen_id
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import guardians_of, guardianships_in_force, wards_of
from sscard.policy.models import LapseAction, RegionalPolicy, ValidityUnit

pytestmark = pytest.mark.django_db
PEOPLE = 300


def _state() -> dict[str, Any]:
    return {
        "counts": {
            m._meta.label: m._default_manager.count()
            for m in apps.get_models()
            if m.__module__.startswith("sscard.")
        },
        "head": list(AuditHead.objects.order_by("bucket").values_list("bucket", "seq", "hash")),
        "sequences": dict(Sequence.objects.values_list("name", "value")),
    }


@pytest.fixture
def demo() -> str:
    out = StringIO()
    call_command("demo", people=PEOPLE, stdout=out, verbosity=0)
    return out.getvalue()


def test_the_demo_loads_guangzhou(demo):
    """One load, checked from every side (a load takes seconds: not one per check)."""
    outlets_cover_every_type_with_its_services()
    people_are_valid_and_minors_have_adult_guardians()
    every_card_and_application_status_and_both_policies()
    stories_went_through_the_services(demo)
    working_people_have_consistent_records(demo)
    a_story_person_of_working_age_reads_their_records_in_the_portal()


def outlets_cover_every_type_with_its_services() -> None:
    outlets = list(Outlet.objects.select_related("bank"))
    assert len(outlets) >= 30
    assert {o.type for o in outlets} == set(OutletType.values)
    for outlet in outlets:
        assert set(SERVICES[outlet.type]) <= set(outlet.services) <= set(Service.values)
        assert (outlet.bank is not None) == (outlet.type == OutletType.BANK_OUTLET)
        assert outlet.region_code.startswith("4401")
        assert 22.5 < outlet.lat < 23.9 and 113.0 < outlet.lon < 114.1
        assert outlet.phone.startswith("020-")
        for day, spans in outlet.hours.items():
            assert day in {str(d) for d in range(1, 8)}
            assert all(len(span) == 2 and span[0] < span[1] for span in spans)
    terminals = [o for o in outlets if o.type == OutletType.SELF_SERVICE_TERMINAL]
    assert all(o.hours == {str(d): [["00:00", "24:00"]] for d in range(1, 8)} for o in terminals)
    instant = {o.type for o in outlets if o.offers(Service.INSTANT_ISSUANCE)}
    assert {OutletType.BANK_OUTLET, OutletType.HRSS_BUREAU} <= instant


def people_are_valid_and_minors_have_adult_guardians() -> None:
    people = list(Person.objects.all())
    assert len(people) == PEOPLE
    today = clock.today()
    for person in people:
        cid = parse_citizen_id(person.social_security_number)
        assert (cid.birth_date, cid.sex, cid.region_code) == (
            person.birth_date,
            person.sex,
            person.region_code,
        )
        assert person.region_code.startswith("4401")
        assert len(person.phone) == 11 and person.phone.startswith("1")
    # Some residents were born before their district's code existed (天河区 440106 since 1985):
    # stdnum's check alone would refuse their real numbers (DOMAIN.md section 3).
    older_than_code = [p for p in people if p.region_code == "440106" and p.birth_date.year < 1985]
    assert len(older_than_code) >= 5
    assert not any(ric.is_valid(p.social_security_number) for p in older_than_code)
    links = list(Guardianship.objects.select_related("guardian", "ward"))
    wards = {link.ward_id for link in links}
    minors = [p for p in people if age_on(p.birth_date, today) < 16]
    assert len(minors) >= PEOPLE // 10
    assert all(p.pk in wards for p in minors)
    assert all(age_on(link.guardian.birth_date, today) >= 18 for link in links)
    assert {link.relation for link in links} == {"parent", "legal_guardian"}
    guardianships_follow_the_law(links, today)


def guardianships_follow_the_law(links: list[Guardianship], today: dt.date) -> None:
    """No adult is a ward without a legal basis; some adults are, on a court's document."""
    in_force = set(guardianships_in_force().values_list("pk", flat=True))
    of_adults = [link for link in links if age_on(link.ward.birth_date, today) >= 18]
    assert all(link.basis != "minor" and link.document for link in of_adults if link.pk in in_force)
    court = [link for link in of_adults if link.pk in in_force and link.basis != "minor"]
    assert len(court) >= 3
    assert {link.basis for link in court} == {"court_finding", "designation"}
    assert all(re.fullmatch(r"\(20\d\d\)粤01\d\d民特\d+号", link.document) for link in court)
    for link in court:
        assert check_acting_party(subject=link.ward, actor=link.guardian, relation="guardian")
        assert notification_recipients(link.ward) == guardians_of(link.ward)
    # A parent of a child who has come of age keeps the record, not the right to act.
    for link in of_adults:
        if link.basis == "minor":
            assert link.pk not in in_force
            assert link.ward not in wards_of(link.guardian)


def every_card_and_application_status_and_both_policies() -> None:
    cards = list(Card.objects.all())
    assert {effective_of(card).status for card in cards} == set(CardStatus.values)
    assert all(is_valid_card_number(card.number) for card in cards)
    assert len({card.identification_code for card in cards}) == len(cards)
    statuses = set(CardApplication.objects.values_list("status", flat=True))
    assert statuses == set(ApplicationStatus.values)
    # The sequence is past every card number, so the services keep numbering uniquely.
    last = Sequence.objects.get(name="card_number").value
    assert not Card.objects.filter(number=card_number_for(last + 1)).exists()
    assert Card.objects.filter(number=card_number_for(last)).exists()

    normal = Card.objects.filter(status=CardStatus.NORMAL, generation=1).first()
    assert normal is not None and pin_matches(normal.pin_hash, DEMO_PIN)

    default, tianhe = RegionalPolicy.objects.order_by("region_prefix")
    assert default.region_prefix == "" and default.temporary_validity == 7
    assert tianhe.region_prefix == "440106"
    assert (tianhe.temporary_validity, tianhe.temporary_validity_unit) == (
        3,
        ValidityUnit.WORKING_DAYS,
    )
    assert tianhe.on_temporary_lapse == LapseAction.CANCEL
    assert (tianhe.reissue_fee, tianhe.wrong_pins_before_lock, tianhe.age_acting_alone) == (
        30,
        3,
        18,
    )


def stories_went_through_the_services(demo: str) -> None:
    assert {LossKind.TEMPORARY, LossKind.FORMAL} <= set(
        LossReport.objects.values_list("kind", flat=True)
    )
    by_guardian = CardApplication.objects.filter(type="reissue", applicant_relation="guardian")
    assert by_guardian.exists()
    assert all(app.applicant_id != app.person_id for app in by_guardian)
    assert CardApplication.objects.filter(type="new", status="submitted").exists()
    assert CardApplication.objects.filter(type="replacement").exists()
    report = verify_chain()
    assert report.ok and report.checked > 100
    assert DEMO_PIN in demo


def working_people_have_consistent_records(demo: str) -> None:
    """Every person of working age at the anchor has 3 to 15 years of records, each record as
    the feed's check would take it (rates, base limits, credit codes), with job changes, gaps,
    owed and back-paid months among them; rights are computed from them."""
    from collections import defaultdict
    from decimal import ROUND_HALF_UP, Decimal

    from sscard.records.feeds import check_records
    from sscard.records.models import ContributionRecord
    from sscard.records.selectors import rates_for, rights_of

    cent = Decimal("0.01")

    assert "contribution records of" in demo
    anchor = anchor_date()
    working = Person.objects.filter(
        birth_date__lte=dt.date(anchor.year - 20, anchor.month, anchor.day),
        birth_date__gt=dt.date(anchor.year - 60, anchor.month, anchor.day),
    )
    months: dict[int, set[dt.date]] = defaultdict(set)
    employers: dict[int, set[int]] = defaultdict(set)
    for person_id, month, employer_id in ContributionRecord.objects.filter(
        insurance="pension"
    ).values_list("person_id", "month", "employer_id"):
        months[person_id].add(month)
        employers[person_id].add(employer_id)
    assert set(months) == set(working.values_list("pk", flat=True))
    for person_id, seen in months.items():
        years = {m.year for m in seen}
        assert 3 <= len(years) <= 15, person_id
        assert max(seen) < anchor
    assert any(len(e) > 1 for e in employers.values())  # job changes
    gaps = 0
    for seen in months.values():
        ordered = sorted(seen)
        span = (ordered[-1].year - ordered[0].year) * 12 + ordered[-1].month - ordered[0].month
        gaps += span + 1 > len(ordered)
    assert gaps > 0
    statuses = set(ContributionRecord.objects.values_list("status", flat=True).distinct())
    assert statuses == {"paid", "owed", "back_paid"}

    sample = list(ContributionRecord.objects.select_related("person", "employer")[::997][:300])
    checked = check_records(
        [
            {
                "social_security_number": r.person.social_security_number,
                "insurance": r.insurance,
                "month": f"{r.month:%Y-%m}",
                "employer": {"name": r.employer.name, "credit_code": r.employer.credit_code},
                "base": str(r.base),
                "employer_amount": str(r.employer_amount),
                "individual_amount": str(r.individual_amount),
                "status": r.status,
                "paid_on": r.paid_on.isoformat() if r.paid_on else None,
            }
            for r in sample
        ]
    )
    assert checked.rejected == [] and len(checked.valid) == len(sample)
    for r in sample:
        rate = rates_for(r.employer.credit_code[2:8], r.month.year)[r.insurance]
        assert r.employer_amount == (r.base * rate.employer).quantize(cent, ROUND_HALF_UP)

    person = Person.objects.get(pk=max(months, key=lambda p: len(months[p])))
    rights = rights_of(person)
    pension = next(m for m in rights.months if m.insurance == "pension")
    paid = ContributionRecord.objects.filter(
        person=person, insurance="pension", status__in=["paid", "back_paid"]
    )
    assert pension.total == paid.values("month").distinct().count() >= 36
    assert rights.pension.balance > sum(r.individual_amount for r in paid) > 0
    assert rights.medical.balance > 0


def a_story_person_of_working_age_reads_their_records_in_the_portal() -> None:
    """Whoever a story happens to (here: a holder who reported their card lost) and is of
    working age has records, and the portal's records page shows them their last year's."""
    from django.test import Client

    from sscard.portal.session import PERSON_KEY
    from sscard.records.models import ContributionRecord

    anchor = anchor_date()
    holders = Person.objects.filter(
        pk__in=LossReport.objects.filter(reporter_relation="self").values("card__person"),
        birth_date__lte=dt.date(anchor.year - 20, anchor.month, anchor.day),
        birth_date__gt=dt.date(anchor.year - 60, anchor.month, anchor.day),
    ).order_by("pk")
    assert holders.count() >= 3
    for holder in holders:
        last = (
            ContributionRecord.objects.filter(person=holder, insurance="pension")
            .select_related("employer")
            .order_by("-month")
            .first()
        )
        assert last is not None, holder.pk
        client = Client()
        session = client.session
        session[PERSON_KEY] = holder.pk
        session.save()
        client.cookies["sscard_language"] = "en"
        answer = client.get(f"/records/?year={last.month.year}")
        html = answer.content.decode()
        assert answer.status_code == 200
        assert f"Pension insurance in {last.month.year}" in html
        assert last.employer.name in html
        assert f"{last.base:,.2f}" in html


def test_a_second_run_changes_nothing(demo):
    before = _state()
    out = StringIO()
    call_command("demo", people=PEOPLE, stdout=out, verbosity=0)
    assert "already has 300 people" in out.getvalue()
    assert _state() == before


def test_the_plan_is_the_same_every_run():
    anchor = dt.date(2026, 1, 1)
    first, second = Planner(people=500, anchor=anchor), Planner(people=500, anchor=anchor)
    first.plan_people()
    second.plan_people()
    assert [(p.ssn, p.name, p.phone, p.created_at) for p in first.people] == [
        (p.ssn, p.name, p.phone, p.created_at) for p in second.people
    ]
    assert anchor_date(dt.date(2026, 11, 22)) == anchor


def test_every_district_gives_a_valid_number_for_every_birth_year():
    from sscard.demo.guangzhou import DISTRICTS, id_assigned_in
    from sscard.people.generate import make_citizen_id

    for district in DISTRICTS:
        for year in range(1920, clock.today().year + 1):
            for index in range(11):
                region = district.id_region_for(id_assigned_in(year, index))
                number = make_citizen_id(region, dt.date(year, 1, 1), 1, male=True)
                assert parse_citizen_id(number).region_code == region, (district.name, year)
    # A number assigned at birth since 1985, to older people in the ten years after.
    assert [id_assigned_in(1970, i) for i in (0, 1, 10, 11)] == [1985, 1986, 1995, 1985]
    assert id_assigned_in(1990, 3) == 1990


def test_force_refuses_to_wipe_people_the_demo_did_not_load():
    from django.core.management.base import CommandError

    from tests.factories import PersonFactory

    PersonFactory.create()

    with pytest.raises(CommandError, match="refusing to wipe"):
        call_command("demo", people=300, force=True)

    assert Person.objects.count() == 1


def test_the_records_are_the_same_every_run():
    from sscard.demo.records import _record_rows, years_of

    anchor = dt.date(2026, 1, 1)
    people = [(n, dt.date(1970 + n % 30, 1 + n % 12, 1), n % 4096) for n in range(1, 60)]
    booked = dt.datetime(2026, 1, 1, 2, tzinfo=dt.UTC)

    def rows() -> list[tuple[object, ...]]:
        return list(
            _record_rows(
                people,
                years=years_of(anchor),
                seed=7,
                anchor=anchor,
                employers=[1, 2, 3],
                first_id=1,
                booked_at=booked,
            )
        )

    first = rows()
    assert first == rows() and len(first) >= 59 * 36 * 5


def _people_and_cards() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    people = list(
        Person.objects.order_by("pk").values_list(
            "pk", "social_security_number", "name", "birth_date", "phone", "address"
        )
    )
    cards = list(
        Card.objects.order_by("pk").values_list(
            "pk", "number", "person_id", "issued_on", "status", "account_number"
        )
    )
    return people, cards


def test_a_large_demo_is_loaded_a_block_at_a_time():
    from sscard.demo.bulk import load_people_and_cards, wipe
    from sscard.demo.reference import load_reference_data

    load_reference_data()
    small = load_people_and_cards(people=120, block=120, progress=False)
    one_block = _people_and_cards()
    wipe()

    large = load_people_and_cards(people=330, block=120, progress=False)

    people, cards = _people_and_cards()
    # The first block is the demo of that size, row for row; the others follow on.
    assert people[:120] == one_block[0]
    assert cards[: small.cards] == one_block[1]
    assert large.adults_with_card == small.adults_with_card
    assert (large.people, Person.objects.count()) == (330, 330)
    assert [p[0] for p in people] == list(range(1, 331))
    assert large.cards == len(cards) > small.cards
    assert [c[0] for c in cards] == list(range(1, large.cards + 1))
    assert [c[1] for c in cards] == [card_number_for(n) for n in range(1, large.cards + 1)]
    assert Sequence.objects.get(name="card_number").value == large.last_card_serial
    # ID numbers are never repeated from one block to the next, and stay valid.
    numbers = [p[1] for p in people]
    assert len(set(numbers)) == len(numbers)
    assert [parse_citizen_id(n).birth_date for n in numbers] == [p[3] for p in people]
    # Guardians come from their ward's own block.
    for guardian, ward in Guardianship.objects.values_list("guardian_id", "ward_id"):
        assert (guardian - 1) // 120 == (ward - 1) // 120
    assert Guardianship.objects.count() == large.guardianships
    assert set(large.seconds) == {
        "planning",
        "people",
        "guardianships",
        "cards",
        "commit",
        "analyze",
    }

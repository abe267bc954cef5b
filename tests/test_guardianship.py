"""Guardianship follows the law (DOMAIN.md section 6): a minor's guardian acts until the ward
turns 18; an adult is a ward only on a court's finding or a designation, with its document and
its end; window clerks record, change and end guardianships, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from sscard.audit.models import AuditEvent
from sscard.cards.holders import acts_alone, check_acting_party, notification_recipients
from sscard.common.clock import frozen_at
from sscard.common.errors import Conflict, FieldError, Forbidden, ValidationError
from sscard.people.generate import make_citizen_id
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import (
    GuardianshipTerms,
    documents_needed,
    former_guardianships_of,
    guardians_of,
    guardianship,
    guardianships_in_force,
    wards_of,
)
from sscard.people.services import (
    GuardianLink,
    change_guardianship,
    create_person,
    end_guardianship,
    record_guardianship,
)
from tests.factories import make_guardianship, make_person, nothing_changes

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)  # a Tuesday
TODAY = T0.date()
COURT = "(2025)粤0106民特88号"
MINOR = GuardianshipTerms("parent")


@pytest.fixture(autouse=True)
def clock_at_t0():
    with frozen_at(T0):
        yield


def born(day: dt.date, *, region: str = "440106", male: bool = True, **kwargs) -> Person:
    return make_person(social_security_number=make_citizen_id(region, day, 3, male=male), **kwargs)


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def events() -> list[tuple[str, str, dict, dict]]:
    return list(
        AuditEvent.objects.order_by("seq").values_list("action", "object_id", "before", "after")
    )


# ---------------------------------------------------------------- in force on a day


def test_a_parents_guardianship_ends_on_the_wards_18th_birthday():
    # Given a parent recorded for a boy who turns 18 on 2026-03-11, the day after today
    link = make_guardianship(ward=born(dt.date(2008, 3, 11)))
    parent, ward = link.guardian, link.ward
    # then today he is still a ward: the parent acts and is his guardian
    assert wards_of(parent) == [ward]
    assert guardians_of(ward) == [parent]
    assert check_acting_party(subject=ward, actor=parent, relation="guardian") == link
    # and on his birthday he is not: the parent no longer acts, and he is told himself
    with frozen_at(at(dt.date(2026, 3, 11), 0)):
        assert wards_of(parent) == []
        assert guardians_of(ward) == []
        assert guardianship(parent, ward) is None
        with pytest.raises(Forbidden) as refused:
            check_acting_party(subject=ward, actor=parent, relation="guardian")
        assert refused.value.code == "not_guardian"
        assert notification_recipients(ward) == [ward]
        assert acts_alone(ward) is True
    # The row stays as the record of what was.
    assert Guardianship.objects.filter(pk=link.pk).exists()
    assert guardianships_in_force(on=dt.date(2026, 3, 10)).filter(pk=link.pk).exists()
    assert not guardianships_in_force(on=dt.date(2026, 3, 11)).filter(pk=link.pk).exists()


@pytest.mark.parametrize(
    ("day", "in_force"),
    [
        (dt.date(2026, 2, 28), True),
        (dt.date(2026, 3, 1), False),  # no 29 February in 2026: of age on 1 March
        (dt.date(2028, 2, 28), False),
    ],
)
def test_a_ward_born_on_29_february_comes_of_age_on_1_march(day, in_force):
    link = make_guardianship(ward=born(dt.date(2008, 2, 29)))
    with frozen_at(at(day)):
        assert (guardianship(link.guardian, link.ward) == link) is in_force


def test_a_legal_guardian_of_a_minor_also_ends_at_18():
    link = make_guardianship(relation="legal_guardian", ward=born(dt.date(2008, 3, 10)))
    assert guardians_of(link.ward) == []
    assert former_guardianships_of(link.ward) == [link]


def test_an_adult_ward_on_a_court_finding_is_in_force_until_its_end():
    # Given an adult found without capacity by a court, her father designated until 2027-01-01
    link = make_guardianship(
        ward=born(dt.date(1990, 5, 1), male=False),
        basis="court_finding",
        document=COURT,
        ends_on=dt.date(2027, 1, 1),
    )
    ward, father = link.ward, link.guardian
    # then the father acts, the holder does not act alone, and notices go to the father
    assert guardians_of(ward) == [father]
    assert acts_alone(ward) is False
    assert notification_recipients(ward) == [father]
    with pytest.raises(Forbidden) as alone:
        check_acting_party(subject=ward, actor=ward, relation="self")
    assert alone.value.code == "guardian_required"
    # and the last day before the end it still holds, on the end day it does not.
    with frozen_at(at(dt.date(2026, 12, 31), 23)):
        assert guardians_of(ward) == [father]
    with frozen_at(at(dt.date(2027, 1, 1), 0)):
        assert guardians_of(ward) == []
        assert acts_alone(ward) is True
        assert notification_recipients(ward) == [ward]


def test_a_guardianship_ended_at_a_window_is_no_longer_in_force_from_that_day(window):
    link = make_guardianship(ward=born(dt.date(2015, 6, 1)))
    end_guardianship(actor=window, link=link, reason="guardian_removed")
    assert guardians_of(link.ward) == []
    assert wards_of(link.guardian) == []
    assert notification_recipients(link.ward) == [link.ward]
    # It held on the days before.
    assert guardianships_in_force(on=dt.date(2026, 3, 9)).filter(pk=link.pk).exists()
    assert not guardianships_in_force(on=TODAY).filter(pk=link.pk).exists()


def test_notices_about_a_16_year_old_go_to_the_holder_while_the_parent_may_still_act():
    link = make_guardianship(ward=born(dt.date(2009, 6, 1), region="110105"))
    assert acts_alone(link.ward) is True
    assert notification_recipients(link.ward) == [link.ward]
    assert check_acting_party(subject=link.ward, actor=link.guardian, relation="guardian") == link
    assert check_acting_party(subject=link.ward, actor=link.ward, relation="self") is None


@pytest.mark.parametrize(
    ("relation", "basis", "proof"),
    [
        ("parent", "minor", False),
        ("legal_guardian", "minor", True),
        ("parent", "court_finding", True),
        ("legal_guardian", "designation", True),
    ],
)
def test_proof_of_guardianship_is_needed_unless_a_parent_of_a_minor(relation, basis, proof):
    link = Guardianship(relation=relation, basis=basis)
    assert (("guardianship_proof",) in documents_needed(guardian=link)) is proof


# ---------------------------------------------------------------- recording


def test_recording_a_parent_of_a_minor_links_and_audits(window):
    parent, child = make_person(age=38), born(dt.date(2018, 5, 20))
    link = record_guardianship(actor=window, guardian=parent, ward=child, terms=MINOR)
    stored = Guardianship.objects.get(pk=link.pk)
    assert (
        stored.guardian,
        stored.ward,
        stored.relation,
        stored.basis,
        stored.document,
        stored.ends_on,
        stored.created_at,
        stored.ended_at,
        stored.end_reason,
    ) == (parent, child, "parent", "minor", "", None, T0, None, "")
    assert events() == [
        (
            "guardianship.created",
            str(link.pk),
            {},
            {
                "guardian": parent.pk,
                "ward": child.pk,
                "relation": "parent",
                "basis": "minor",
                "ends_on": None,
                "document": False,
            },
        )
    ]
    assert wards_of(parent) == [child]


def test_recording_a_court_designated_guardian_of_an_adult(window):
    ward, guardian = born(dt.date(1950, 1, 2)), make_person(age=50)
    terms = GuardianshipTerms("legal_guardian", "designation", f"  {COURT} ", dt.date(2030, 1, 1))
    link = record_guardianship(actor=window, guardian=guardian, ward=ward, terms=terms)
    assert Guardianship.objects.filter(pk=link.pk).values_list(
        "basis", "document", "ends_on"
    ).get() == ("designation", COURT, dt.date(2030, 1, 1))
    # The audit log says a document was given, not its reference.
    assert events()[0][3] == {
        "guardian": guardian.pk,
        "ward": ward.pk,
        "relation": "legal_guardian",
        "basis": "designation",
        "ends_on": "2030-01-01",
        "document": True,
    }
    assert guardians_of(ward) == [guardian]
    assert acts_alone(ward) is False


@pytest.mark.parametrize(
    ("ward_born", "guardian_age", "terms", "code", "error"),
    [
        (
            dt.date(2000, 1, 1),
            50,
            GuardianshipTerms("parent"),
            "guardianship_basis_required",
            FieldError("basis", "an adult is a ward only on a court's finding or a designation"),
        ),
        (
            dt.date(2008, 3, 10),  # 18 today
            50,
            GuardianshipTerms("legal_guardian"),
            "guardianship_basis_required",
            FieldError("basis", "an adult is a ward only on a court's finding or a designation"),
        ),
        (
            dt.date(2000, 1, 1),
            50,
            GuardianshipTerms("parent", "court_finding", "   "),
            "guardianship_document_required",
            FieldError("document", "is required for a court's finding or a designation"),
        ),
        (
            dt.date(2015, 1, 1),
            17,
            GuardianshipTerms("legal_guardian"),
            "guardian_not_adult",
            FieldError("guardian", "must be 18 or older"),
        ),
        (
            dt.date(2015, 1, 1),
            40,
            GuardianshipTerms("parent", ends_on=TODAY),
            "invalid_guardianship_end",
            FieldError("ends_on", "must be after today"),
        ),
        (
            dt.date(2015, 1, 1),
            40,
            GuardianshipTerms("uncle"),
            "validation_error",
            FieldError("relation", "must be parent or legal_guardian"),
        ),
        (
            dt.date(2015, 1, 1),
            40,
            GuardianshipTerms("parent", "friendship"),
            "validation_error",
            FieldError("basis", "must be one of: minor, court_finding, designation"),
        ),
        (
            dt.date(2000, 1, 1),
            40,
            GuardianshipTerms("parent", "designation", "号" * 101),
            "validation_error",
            FieldError("document", "must be at most 100 characters"),
        ),
    ],
)
def test_recording_refuses_what_the_law_does_not_allow_and_changes_nothing(
    window, ward_born, guardian_age, terms, code, error
):
    ward, guardian = born(ward_born), make_person(age=guardian_age)
    with nothing_changes(ward, guardian), pytest.raises(ValidationError) as refused:
        record_guardianship(actor=window, guardian=guardian, ward=ward, terms=terms)
    assert (refused.value.code, refused.value.status) == (code, 422)
    assert refused.value.errors == [error]


def test_recording_refuses_a_person_as_their_own_guardian(window):
    person = make_person(age=38)
    terms = GuardianshipTerms("legal_guardian", "designation", COURT)
    with nothing_changes(person), pytest.raises(ValidationError) as refused:
        record_guardianship(actor=window, guardian=person, ward=person, terms=terms)
    assert (refused.value.code, refused.value.status) == ("invalid_guardian", 422)


def test_recording_refuses_a_guardianship_already_in_force(window):
    link = make_guardianship()
    for terms in (MINOR, GuardianshipTerms("legal_guardian")):
        with nothing_changes(link), pytest.raises(Conflict) as refused:
            record_guardianship(actor=window, guardian=link.guardian, ward=link.ward, terms=terms)
        assert (refused.value.code, refused.value.status) == ("guardian_exists", 409)


def test_a_parent_whose_child_came_of_age_is_recorded_again_on_a_court_finding(window):
    # Given a mother whose guardianship of her son ended at 18 last year
    old = make_guardianship(ward=born(dt.date(2007, 8, 1)), guardian__male=False)
    mother, son = old.guardian, old.ward
    assert guardians_of(son) == []
    # When a court finds him without capacity and she is recorded on that finding
    terms = GuardianshipTerms("parent", "court_finding", COURT)
    new = record_guardianship(actor=window, guardian=mother, ward=son, terms=terms)
    # then she is his guardian again, and the old record is closed as superseded.
    assert guardians_of(son) == [mother]
    old.refresh_from_db()
    assert (old.ended_at, old.end_reason) == (T0, "superseded")
    assert [(action, obj) for action, obj, _b, _a in events()] == [
        ("guardianship.ended", str(old.pk)),
        ("guardianship.created", str(new.pk)),
    ]


def test_the_database_keeps_a_document_for_an_adult_basis_and_a_reason_for_an_end():
    link = make_guardianship()
    with pytest.raises(IntegrityError), transaction.atomic():
        Guardianship.objects.filter(pk=link.pk).update(basis="designation")
    with pytest.raises(IntegrityError), transaction.atomic():
        Guardianship.objects.filter(pk=link.pk).update(ended_at=T0)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_guardianship(guardian=link.guardian, ward=link.ward)


# ---------------------------------------------------------------- changing


def test_changing_the_document_and_end_is_audited(window):
    link = make_guardianship(ward=born(dt.date(1990, 1, 1)), basis="court_finding", document=COURT)
    terms = GuardianshipTerms("parent", "designation", "(2026)粤0106民特3号", dt.date(2031, 1, 1))
    changed = change_guardianship(actor=window, link=link, terms=terms)
    assert Guardianship.objects.filter(pk=link.pk).values_list(
        "relation", "basis", "document", "ends_on"
    ).get() == ("parent", "designation", "(2026)粤0106民特3号", dt.date(2031, 1, 1))
    assert changed.ends_on == dt.date(2031, 1, 1)
    assert events() == [
        (
            "guardianship.changed",
            str(link.pk),
            {"basis": "court_finding", "ends_on": None, "document": True},
            {
                "basis": "designation",
                "ends_on": "2031-01-01",
                "document": True,
                "document_changed": True,
            },
        )
    ]


def test_changing_nothing_writes_nothing(window):
    link = make_guardianship(ward=born(dt.date(1990, 1, 1)), basis="designation", document=COURT)
    with nothing_changes(link):
        change_guardianship(
            actor=window, link=link, terms=GuardianshipTerms("parent", "designation", COURT)
        )


def test_a_parents_lapsed_guardianship_is_changed_onto_a_court_finding(window):
    link = make_guardianship(ward=born(dt.date(2007, 1, 1)))
    assert guardians_of(link.ward) == []
    change_guardianship(
        actor=window, link=link, terms=GuardianshipTerms("parent", "court_finding", COURT)
    )
    assert guardians_of(link.ward) == [link.guardian]


@pytest.mark.parametrize(
    ("terms", "code"),
    [
        (GuardianshipTerms("parent"), "guardianship_basis_required"),
        (GuardianshipTerms("parent", "designation", ""), "guardianship_document_required"),
        (
            GuardianshipTerms("parent", "designation", COURT, dt.date(2026, 3, 9)),
            "invalid_guardianship_end",
        ),
    ],
)
def test_changing_refuses_what_the_law_does_not_allow(window, terms, code):
    link = make_guardianship(ward=born(dt.date(1990, 1, 1)), basis="designation", document=COURT)
    with nothing_changes(link), pytest.raises(ValidationError) as refused:
        change_guardianship(actor=window, link=link, terms=terms)
    assert refused.value.code == code


# ---------------------------------------------------------------- ending


def test_ending_a_guardianship_records_when_and_why(window):
    link = make_guardianship(ward=born(dt.date(1990, 1, 1)), basis="designation", document=COURT)
    ended = end_guardianship(actor=window, link=link, reason="capacity_restored")
    assert (ended.ended_at, ended.end_reason) == (T0, "capacity_restored")
    assert Guardianship.objects.filter(pk=link.pk).values_list("ended_at", "end_reason").get() == (
        T0,
        "capacity_restored",
    )
    assert events() == [("guardianship.ended", str(link.pk), {}, {"reason": "capacity_restored"})]
    assert guardians_of(link.ward) == []


def test_an_ended_guardianship_is_neither_ended_again_nor_changed(window):
    link = make_guardianship()
    end_guardianship(actor=window, link=link, reason="recorded_in_error")
    link.refresh_from_db()
    with nothing_changes(link), pytest.raises(Conflict) as again:
        end_guardianship(actor=window, link=link, reason="death")
    assert (again.value.code, again.value.status) == ("guardianship_ended", 409)
    with nothing_changes(link), pytest.raises(Conflict) as change:
        change_guardianship(actor=window, link=link, terms=MINOR)
    assert change.value.code == "guardianship_ended"


@pytest.mark.parametrize("reason", ["", "bored", "superseded"])
def test_ending_needs_a_reason_the_law_gives(window, reason):
    link = make_guardianship()
    with nothing_changes(link), pytest.raises(ValidationError) as refused:
        end_guardianship(actor=window, link=link, reason=reason)
    assert refused.value.code == "guardianship_end_reason_required"
    assert refused.value.errors == [
        FieldError(
            "reason",
            "must be one of: capacity_restored, guardian_removed, guardian_unable, death, "
            "recorded_in_error",
        )
    ]


# ---------------------------------------------------------------- recording a person


ADULT = make_citizen_id("440104", dt.date(1976, 4, 2), 7, male=True)
CHILD = make_citizen_id("440106", dt.date(2018, 5, 20), 2, male=False)


def test_a_person_recorded_as_an_adult_ward_needs_a_basis(window):
    father = make_person(age=75)
    with nothing_changes(father), pytest.raises(ValidationError) as refused:
        create_person(
            actor=window,
            social_security_number=ADULT,
            name="林建国",
            phone="13812345678",
            guardians=[GuardianLink(father.social_security_number, "parent")],
        )
    assert refused.value.code == "guardianship_basis_required"
    assert refused.value.errors == [
        FieldError(
            "guardians[0].basis", "an adult is a ward only on a court's finding or a designation"
        )
    ]
    assert not Person.objects.filter(social_security_number=ADULT).exists()


def test_a_person_recorded_with_a_designated_guardian(window):
    sister = make_person(age=45)
    person = create_person(
        actor=window,
        social_security_number=ADULT,
        name="林建国",
        phone="13812345678",
        guardians=[
            GuardianLink(
                sister.social_security_number, "legal_guardian", "designation", COURT, None
            )
        ],
    )
    assert guardians_of(person) == [sister]
    assert Guardianship.objects.values_list("basis", "document").get() == ("designation", COURT)


def test_a_child_recorded_with_a_guardian_under_18_is_refused(window):
    brother = born(dt.date(2010, 1, 1))
    with nothing_changes(brother), pytest.raises(ValidationError) as refused:
        create_person(
            actor=window,
            social_security_number=CHILD,
            name="林小红",
            phone="13812345678",
            guardians=[GuardianLink(brother.social_security_number, "legal_guardian")],
        )
    assert refused.value.code == "guardian_not_adult"
    assert refused.value.errors == [FieldError("guardians[0]", "must be 18 or older")]

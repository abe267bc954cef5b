"""People: citizen ID numbers, recording persons and guardians, masks, who may act for whom."""

from __future__ import annotations

import datetime as dt

import pytest

from sscard.audit.models import AuditEvent
from sscard.cards.holders import acts_alone, check_acting_party, notification_recipients
from sscard.common.clock import frozen_at
from sscard.common.errors import Conflict, FieldError, Forbidden, NotFound, ValidationError
from sscard.people.generate import make_citizen_id
from sscard.people.ids import CitizenId, age_on, normalise_citizen_id, parse_citizen_id
from sscard.people.masking import mask_account, mask_email, mask_id_number, mask_name, mask_phone
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import (
    get_person,
    guardians_of,
    missing_documents,
)
from sscard.people.services import GuardianLink, create_person
from tests.factories import make_guardianship, make_person, make_policy, nothing_changes

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
# 2026-03-10 is a Tuesday; every test here runs with the clock frozen at 10:00 Beijing time.
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)

# The example of GB 11643-1999: Chaoyang district of Beijing, born 1949-12-31, a woman.
BEIJING_WOMAN = "11010519491231002X"
# Tianhe district of Guangzhou, born 1985-07-15, sequence 001 (odd: a man), check 9.
TIANHE_MAN = "440106198507150019"
# Tianhe district, born 2010-03-15, sequence 001, check X.
TIANHE_BOY = "44010620100315001X"


@pytest.fixture(autouse=True)
def clock_at_t0():
    with frozen_at(T0):
        yield


# ---------------------------------------------------------------- citizen ID numbers


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (BEIJING_WOMAN, CitizenId(BEIJING_WOMAN, dt.date(1949, 12, 31), "F", "110105")),
        (TIANHE_MAN, CitizenId(TIANHE_MAN, dt.date(1985, 7, 15), "M", "440106")),
        (
            "440106198507150027",
            CitizenId("440106198507150027", dt.date(1985, 7, 15), "F", "440106"),
        ),
        (TIANHE_BOY, CitizenId(TIANHE_BOY, dt.date(2010, 3, 15), "M", "440106")),
    ],
)
def test_a_valid_id_number_gives_birth_date_sex_and_region(number, expected):
    # Given a valid ID number, when it is parsed, then birth date, sex and region come from it:
    # the 17th digit is odd for a man, even for a woman.
    assert parse_citizen_id(number) == expected


def test_lower_case_x_and_surrounding_spaces_are_accepted():
    assert parse_citizen_id(" 11010519491231002x ") == CitizenId(
        BEIJING_WOMAN, dt.date(1949, 12, 31), "F", "110105"
    )
    assert normalise_citizen_id("44010620100315001x") == TIANHE_BOY


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("11010519491231002", "must be 18 characters"),
        ("11010519491231002X1", "must be 18 characters"),
        ("1101051949123100AX", "must be 17 digits followed by a digit or X"),
        ("A10105194912310021", "must be 17 digits followed by a digit or X"),
        ("110105194912310021", "the check character (the last one) does not match"),
        ("110105194912310029", "the check character (the last one) does not match"),
        ("11010519491231002A", "the check character (the last one) does not match"),
        # 1949-02-30 does not exist (the check character is right for the rest).
        ("110105194902300020", "the birth date in it does not exist"),
        # Neither 000000 nor 999999 is a region code.
        ("000000198507150013", "the region code in it does not exist"),
        ("999999198507150011", "the region code in it does not exist"),
        ("", "is required"),
        ("   ", "is required"),
    ],
)
def test_an_invalid_id_number_is_refused_naming_what_is_wrong(number, message):
    with pytest.raises(ValidationError) as exc:
        parse_citizen_id(number)
    assert exc.value.code == "invalid_social_security_number"
    assert exc.value.status == 422
    assert exc.value.detail == f"The citizen ID number {message}."
    assert exc.value.errors == [FieldError("social_security_number", message)]


def test_an_id_number_born_in_the_future_is_refused():
    # Given an ID number with a valid check character whose birth date, 2026-06-01, is after
    # today (2026-03-10)
    future = "440106202606010010"
    # When it is parsed, then it is refused
    with pytest.raises(ValidationError) as exc:
        parse_citizen_id(future, field="guardians[0]")
    assert exc.value.code == "invalid_social_security_number"
    assert exc.value.detail == "The citizen ID number the birth date in it is in the future."
    assert exc.value.errors == [FieldError("guardians[0]", "the birth date in it is in the future")]
    # and once that day has come it is accepted.
    with frozen_at(dt.datetime(2026, 6, 1, 0, 0, tzinfo=SHANGHAI)):
        assert parse_citizen_id(future).birth_date == dt.date(2026, 6, 1)


def test_generated_id_numbers_are_valid_and_carry_the_sex():
    man = make_citizen_id("440106", dt.date(1985, 7, 15), 0, male=True)
    woman = make_citizen_id("440106", dt.date(1985, 7, 15), 1, male=False)
    assert man == TIANHE_MAN
    assert woman == "440106198507150027"
    for sequence in range(30):
        number = make_citizen_id("110105", dt.date(1990, 1, 1), sequence, male=sequence % 2 == 0)
        assert parse_citizen_id(number).sex == ("M" if sequence % 2 == 0 else "F")


def test_age_on_counts_whole_years():
    born = dt.date(2010, 3, 15)
    assert age_on(born, dt.date(2026, 3, 14)) == 15
    assert age_on(born, dt.date(2026, 3, 15)) == 16


def test_get_person_finds_by_id_number_and_refuses_unknown_or_invalid():
    person = make_person(social_security_number=BEIJING_WOMAN)
    assert get_person("11010519491231002x") == person
    with pytest.raises(NotFound) as exc:
        get_person(TIANHE_MAN)
    assert (exc.value.code, exc.value.status) == ("person_not_found", 404)
    with pytest.raises(ValidationError) as invalid:
        get_person("110105194912310021")
    assert invalid.value.code == "invalid_social_security_number"


# ---------------------------------------------------------------- recording a person


def test_create_person_derives_the_details_and_writes_one_audit_event(window):
    # When a clerk records a person with a spaced mobile number
    person = create_person(
        actor=window,
        social_security_number=TIANHE_MAN,
        name="  陈明  ",
        phone="+86 138-1234-5678",
        email=" chen.ming@example.cn ",
        address="  广州市天河区天河路1号  ",
    )
    # then the row holds the cleaned details and what the ID number tells
    person.refresh_from_db()
    assert (
        person.social_security_number,
        person.name,
        person.sex,
        person.birth_date,
        person.region_code,
        person.phone,
        person.email,
        person.address,
        person.created_at,
    ) == (
        TIANHE_MAN,
        "陈明",
        "M",
        dt.date(1985, 7, 15),
        "440106",
        "13812345678",
        "chen.ming@example.cn",
        "广州市天河区天河路1号",
        T0,
    )
    # and one audit event says who did it, where and through which channel, without personal data
    event = AuditEvent.objects.get()
    assert (
        event.seq,
        event.action,
        event.object_type,
        event.object_id,
        event.actor_kind,
        event.actor_id,
        event.actor_role,
        event.outlet_code,
        event.channel,
        event.before,
        event.after,
        event.at,
    ) == (
        1,
        "person.created",
        "person",
        str(person.pk),
        "staff",
        "window_clerk-1",
        "window_clerk",
        "AG0001",
        "window",
        {},
        {"region_code": "440106"},
        T0,
    )


def test_create_person_with_lower_case_x_stores_upper_case(window):
    person = create_person(
        actor=window, social_security_number="11010519491231002x", name="王芳", phone="13900001111"
    )
    assert Person.objects.get(pk=person.pk).social_security_number == BEIJING_WOMAN
    assert (person.sex, person.birth_date) == ("F", dt.date(1949, 12, 31))


@pytest.mark.parametrize("given", [BEIJING_WOMAN, "11010519491231002x"])
def test_create_person_refuses_a_person_already_recorded(window, given):
    existing = make_person(social_security_number=BEIJING_WOMAN)
    with nothing_changes(existing), pytest.raises(Conflict) as exc:
        create_person(actor=window, social_security_number=given, name="王芳", phone="13900001111")
    assert (exc.value.code, exc.value.status) == ("person_exists", 409)


def test_create_person_refuses_an_invalid_id_number_and_writes_nothing(window):
    with nothing_changes(), pytest.raises(ValidationError) as exc:
        create_person(
            actor=window,
            social_security_number="110105194912310021",
            name="王芳",
            phone="13900001111",
        )
    assert exc.value.code == "invalid_social_security_number"
    assert exc.value.errors == [
        FieldError("social_security_number", "the check character (the last one) does not match")
    ]


@pytest.mark.parametrize(
    ("name", "phone", "email", "errors"),
    [
        (
            "陈明",
            "12812345678",
            "",
            [FieldError("phone", "must be an 11-digit mainland mobile number")],
        ),
        (
            "陈明",
            "1381234567",
            "",
            [FieldError("phone", "must be an 11-digit mainland mobile number")],
        ),
        ("陈明", "", "", [FieldError("phone", "must be an 11-digit mainland mobile number")]),
        ("陈明", "13812345678", "chen@", [FieldError("email", "is not an e-mail address")]),
        (
            "",
            "020-12345678",
            "not an address",
            [
                FieldError("name", "is required, at most 60 characters"),
                FieldError("phone", "must be an 11-digit mainland mobile number"),
                FieldError("email", "is not an e-mail address"),
            ],
        ),
        ("陈" * 61, "13812345678", "", [FieldError("name", "is required, at most 60 characters")]),
    ],
)
def test_create_person_refuses_invalid_contact_details_and_writes_nothing(
    window, name, phone, email, errors
):
    with nothing_changes(), pytest.raises(ValidationError) as exc:
        create_person(
            actor=window, social_security_number=TIANHE_MAN, name=name, phone=phone, email=email
        )
    assert (exc.value.code, exc.value.status) == ("validation_error", 422)
    assert exc.value.errors == errors
    assert not Person.objects.filter(social_security_number=TIANHE_MAN).exists()


def test_create_person_links_the_guardians_with_their_relation(window):
    father = make_person(social_security_number=TIANHE_MAN)
    aunt = make_person(social_security_number=BEIJING_WOMAN)
    child = create_person(
        actor=window,
        social_security_number=TIANHE_BOY,
        name="陈小明",
        phone="13812345678",
        guardians=[
            GuardianLink(TIANHE_MAN, "parent"),
            GuardianLink("11010519491231002x", "legal_guardian"),
        ],
    )
    links = list(
        Guardianship.objects.filter(ward=child)
        .order_by("pk")
        .values_list("guardian", "relation", "created_at")
    )
    assert links == [(father.pk, "parent", T0), (aunt.pk, "legal_guardian", T0)]
    assert guardians_of(child) == [father, aunt]
    first, second = (
        Guardianship.objects.filter(ward=child).order_by("pk").values_list("pk", flat=True)
    )
    events = list(
        AuditEvent.objects.order_by("seq").values_list("seq", "action", "object_id", "after")
    )
    assert events == [
        (1, "person.created", str(child.pk), {"region_code": "440106"}),
        (
            2,
            "guardianship.created",
            str(first),
            {
                "guardian": father.pk,
                "ward": child.pk,
                "relation": "parent",
                "basis": "minor",
                "ends_on": None,
                "document": False,
            },
        ),
        (
            3,
            "guardianship.created",
            str(second),
            {
                "guardian": aunt.pk,
                "ward": child.pk,
                "relation": "legal_guardian",
                "basis": "minor",
                "ends_on": None,
                "document": False,
            },
        ),
    ]


def test_create_person_refuses_an_unknown_guardian_and_writes_nothing(window):
    father = make_person(social_security_number=TIANHE_MAN)
    with nothing_changes(father), pytest.raises(NotFound) as exc:
        create_person(
            actor=window,
            social_security_number=TIANHE_BOY,
            name="陈小明",
            phone="13812345678",
            guardians=[GuardianLink(TIANHE_MAN, "parent"), GuardianLink(BEIJING_WOMAN, "parent")],
        )
    assert (exc.value.code, exc.value.status) == ("guardian_not_found", 404)
    assert exc.value.errors == [FieldError("guardians[1]", "no such person")]
    assert not Person.objects.filter(social_security_number=TIANHE_BOY).exists()


def test_create_person_refuses_a_bad_guardian_relation_or_number_and_writes_nothing(window):
    make_person(social_security_number=TIANHE_MAN)
    with nothing_changes(), pytest.raises(ValidationError) as exc:
        create_person(
            actor=window,
            social_security_number=TIANHE_BOY,
            name="陈小明",
            phone="13812345678",
            guardians=[GuardianLink(TIANHE_MAN, "uncle")],
        )
    assert exc.value.errors == [
        FieldError("guardians[0].relation", "must be parent or legal_guardian")
    ]
    with nothing_changes(), pytest.raises(ValidationError) as bad_number:
        create_person(
            actor=window,
            social_security_number=TIANHE_BOY,
            name="陈小明",
            phone="13812345678",
            guardians=[GuardianLink("440106198507150018", "parent")],
        )
    assert bad_number.value.code == "invalid_social_security_number"
    assert bad_number.value.errors == [
        FieldError("guardians[0]", "the check character (the last one) does not match")
    ]


@pytest.mark.parametrize(
    ("guardians", "message"),
    [
        (
            [GuardianLink(TIANHE_MAN, "parent"), GuardianLink(TIANHE_MAN, "legal_guardian")],
            "is listed more than once",
        ),
        (
            [GuardianLink(TIANHE_MAN, "parent"), GuardianLink("440106198507150019", "parent")],
            "is listed more than once",
        ),
        ([GuardianLink("44010620100315001x", "parent")], "is the person themselves"),
    ],
)
def test_create_person_refuses_a_guardian_listed_twice_or_the_person_themselves(
    window, guardians, message
):
    make_person(social_security_number=TIANHE_MAN)
    with nothing_changes(), pytest.raises(ValidationError) as exc:
        create_person(
            actor=window,
            social_security_number=TIANHE_BOY,
            name="陈小明",
            phone="13812345678",
            guardians=guardians,
        )
    assert (exc.value.code, exc.value.status) == ("invalid_guardian", 422)
    assert exc.value.errors == [FieldError(f"guardians[{len(guardians) - 1}]", message)]


# ---------------------------------------------------------------- masks


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("11010519491231002X", "110105********002X"),
        ("440106198507150019", "440106********0019"),
        ("123456789", "*********"),
        ("", ""),
    ],
)
def test_mask_id_number(value, masked):
    assert mask_id_number(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("13812345678", "138****5678"),
        ("02012345678", "020****5678"),
        ("123456", "******"),
        ("", ""),
    ],
)
def test_mask_phone(value, masked):
    assert mask_phone(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"), [("张三丰", "张**"), ("王芳", "王*"), ("Li Lei", "L*****"), ("", "")]
)
def test_mask_name(value, masked):
    assert mask_name(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("6222020200112233445", "6222 **** **** 3445"),
        ("6222 0202 0011 2233 445", "6222 **** **** 3445"),
        ("1234567", "*******"),
    ],
)
def test_mask_account(value, masked):
    assert mask_account(value) == masked


@pytest.mark.parametrize(
    ("value", "masked"), [("chen.ming@example.cn", "c***@example.cn"), ("chenming", "c*******")]
)
def test_mask_email(value, masked):
    assert mask_email(value) == masked


# ---------------------------------------------------------------- acting alone, recipients


def _born(day: dt.date, region: str = "440106", male: bool = True) -> Person:
    return make_person(social_security_number=make_citizen_id(region, day, 7, male=male))


def test_a_holder_acts_alone_from_16_under_the_default_policy():
    # Today is 2026-03-10: one boy turned 16 today, the other turns 16 tomorrow.
    sixteen_today = _born(dt.date(2010, 3, 10))
    sixteen_tomorrow = _born(dt.date(2010, 3, 11))
    assert acts_alone(sixteen_today) is True
    assert acts_alone(sixteen_tomorrow) is False
    assert acts_alone(_born(dt.date(1985, 7, 15))) is True


def test_a_stricter_policy_raises_the_age_to_18():
    make_policy(region_prefix="44", age_acting_alone=18)
    seventeen = _born(dt.date(2009, 3, 11))
    eighteen = _born(dt.date(2008, 3, 10))
    assert acts_alone(seventeen) is False
    assert acts_alone(eighteen) is True
    # A holder from another province keeps the default of 16.
    assert acts_alone(_born(dt.date(2010, 3, 10), region="110105")) is True


def test_notifications_go_to_an_adult_holder():
    adult = make_person(age=40)
    make_guardianship(ward=adult)  # even a guardian recorded for an adult does not get them
    assert notification_recipients(adult) == [adult]


def test_notifications_about_a_minor_go_to_the_guardians():
    mother = make_guardianship(ward__age=9, guardian__age=36, guardian__male=False)
    child = mother.ward
    father = make_guardianship(ward=child, guardian__age=38)
    assert notification_recipients(child) == [mother.guardian, father.guardian]


def test_notifications_about_a_minor_without_guardians_go_to_the_minor():
    child = make_person(age=12)
    assert notification_recipients(child) == [child]


# ---------------------------------------------------------------- who may act


def test_an_adult_acts_for_themselves():
    adult = make_person(age=40)
    assert check_acting_party(subject=adult, actor=adult, relation="self") is None
    assert check_acting_party(subject=adult, actor=adult, relation="") is None


def test_a_recorded_guardian_acts_for_the_ward():
    link = make_guardianship(relation="legal_guardian")
    assert check_acting_party(subject=link.ward, actor=link.guardian, relation="guardian") == link


def test_a_minor_acting_alone_is_refused_guardian_required():
    child = make_person(age=15)
    with pytest.raises(Forbidden) as exc:
        check_acting_party(subject=child, actor=child, relation="self")
    assert (exc.value.code, exc.value.status) == ("guardian_required", 403)


def test_someone_who_is_not_a_recorded_guardian_is_refused():
    child, stranger = make_person(age=9), make_person(age=40)
    make_guardianship(ward=child)
    with pytest.raises(Forbidden) as exc:
        check_acting_party(subject=child, actor=stranger, relation="guardian")
    assert (exc.value.code, exc.value.status) == ("not_guardian", 403)
    # A ward is not the guardian of their guardian either.
    link = make_guardianship()
    with pytest.raises(Forbidden) as reversed_link:
        check_acting_party(subject=link.guardian, actor=link.ward, relation="agent")
    assert reversed_link.value.code == "not_guardian"


def test_the_relation_must_match_who_acts():
    adult, link = make_person(age=40), make_guardianship()
    with pytest.raises(ValidationError) as own:
        check_acting_party(subject=adult, actor=adult, relation="guardian")
    assert own.value.code == "invalid_relation"
    assert own.value.errors == [FieldError("relation", "must be 'self' for one's own card")]
    with pytest.raises(ValidationError) as other:
        check_acting_party(subject=link.ward, actor=link.guardian, relation="self")
    assert other.value.code == "invalid_relation"
    assert other.value.errors == [
        FieldError("relation", "must be guardian when acting for another person")
    ]


# ---------------------------------------------------------------- counter documents


@pytest.mark.parametrize(
    ("documents", "missing"),
    [
        ([], ["id_card"]),
        (["household_register"], ["id_card"]),
        (["guardian_id_card", "receipt"], ["id_card"]),
        (["id_card"], []),
        (["id_card", "receipt"], []),
    ],
)
def test_an_adult_brings_the_id_card(documents, missing):
    adult = make_person(age=40)
    assert missing_documents(subject=adult, guardian=None, documents=documents) == missing


@pytest.mark.parametrize(
    ("relation", "documents", "missing"),
    [
        ("parent", [], ["id_card", "guardian_id_card"]),
        ("parent", ["household_register", "guardian_id_card"], []),
        ("parent", ["id_card", "guardian_id_card"], []),
        ("parent", ["id_card"], ["guardian_id_card"]),
        ("parent", ["guardian_id_card"], ["id_card"]),
        ("legal_guardian", [], ["id_card", "guardian_id_card", "guardianship_proof"]),
        ("legal_guardian", ["household_register", "guardian_id_card"], ["guardianship_proof"]),
        ("legal_guardian", ["id_card", "guardian_id_card", "guardianship_proof"], []),
        ("legal_guardian", ["household_register", "guardianship_proof"], ["guardian_id_card"]),
    ],
)
def test_a_guardian_brings_the_childs_id_or_register_their_own_id_and_proof(
    relation, documents, missing
):
    link = make_guardianship(relation=relation)
    assert missing_documents(subject=link.ward, guardian=link, documents=documents) == missing

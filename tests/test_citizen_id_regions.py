"""The region code of a citizen ID number (DOMAIN.md section 3): the code of the household
registration when the number was assigned, accepted when it exists in stdnum's table in any
period, unless it was abolished before the birth year. Checked over the whole table."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from stdnum import numdb
from stdnum.cn import ric

from sscard.common import clock
from sscard.common.errors import FieldError, ValidationError
from sscard.common.regions import region_name
from sscard.people.generate import make_citizen_id
from sscard.people.ids import CitizenId, parse_citizen_id
from sscard.people.models import Person

pytestmark = pytest.mark.django_db

SPAN = re.compile(r"^\[(\d*)-(\d*)\]")


def _table() -> dict[str, list[int | None]]:
    """Straight from stdnum's data: every 6-digit code with the last year of each of its names
    (None: still in use, or no years given)."""
    table: dict[str, list[int | None]] = {}
    for _len, province, _high, _props, counties in numdb.get("cn/loc").prefixes:
        for _len4, county, _high4, props, _children in counties:
            ends: list[int | None] = []
            for entry in props["county"].split(","):
                match = SPAN.match(entry)
                ends.append(int(match.group(2)) if match and match.group(2) else None)
            table[province + county] = ends
    return table


TABLE = _table()
CODES = sorted(TABLE)
TODAY = clock.today()
THIS_YEAR = TODAY.year
QUIET = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


def expected(code: str, year: int) -> bool:
    """Accepted unless every name of the code ended before the birth year."""
    return any(end is None or end >= year for end in TABLE[code])


def number_for(code: str, born: dt.date, sequence: int, male: bool) -> str:
    return make_citizen_id(code, born, sequence, male=male)


def test_the_table_is_the_whole_of_stdnums_region_table():
    # 34 provinces and thousands of counties, some abolished, some renamed, some never dated.
    assert len(CODES) > 6000
    assert TABLE["440106"] == [None]  # [1985-]天河区
    assert TABLE["440111"] == [1986, None]  # [1983-1986]郊区,[1987-]白云区
    assert TABLE["440102"] == [2005]  # [1983-2005]东山区
    assert TABLE["110105"] == [None]  # 朝阳区, no years
    assert sum(1 for ends in TABLE.values() if None not in ends) > 1000


@settings(max_examples=600, deadline=None, suppress_health_check=QUIET)
@given(
    code=st.sampled_from(CODES),
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    sequence=st.integers(min_value=0, max_value=499),
    male=st.booleans(),
)
@example(code="440104", born=dt.date(1976, 4, 2), sequence=7, male=True)
@example(code="440106", born=dt.date(1979, 11, 23), sequence=12, male=False)
@example(code="440102", born=dt.date(2005, 12, 31), sequence=0, male=True)
@example(code="440102", born=dt.date(2006, 1, 1), sequence=0, male=True)
@example(code="440120", born=dt.date(1983, 6, 1), sequence=3, male=False)
@example(code="440120", born=dt.date(1984, 6, 1), sequence=3, male=False)
def test_a_region_code_is_accepted_unless_abolished_before_the_birth_year(
    code, born, sequence, male
):
    number = number_for(code, born, sequence, male)
    if expected(code, born.year):
        assert parse_citizen_id(number) == CitizenId(number, born, "M" if male else "F", code)
    else:
        with pytest.raises(ValidationError) as refused:
            parse_citizen_id(number)
        message = "the region code in it was abolished before the birth year"
        assert refused.value.code == "invalid_social_security_number"
        assert refused.value.errors == [FieldError("social_security_number", message)]


def test_every_code_of_the_table_around_each_of_its_end_years():
    """Each code on its edges: 1900, this year, and the year each name ended and the next."""
    checked = 0
    for code, ends in TABLE.items():
        years = {1900, THIS_YEAR, *(y for end in ends if end for y in (end, end + 1))}
        for year in sorted(y for y in years if 1900 <= y <= THIS_YEAR):
            number = number_for(code, dt.date(year, 1, 1), 1, True)
            try:
                parse_citizen_id(number)
                accepted = True
            except ValidationError:
                accepted = False
            assert accepted == expected(code, year), (code, year)
            checked += 1
    assert checked > 2 * len(CODES)


@settings(max_examples=300, deadline=None, suppress_health_check=QUIET)
@given(
    code=st.sampled_from(CODES),
    born=st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
)
def test_every_number_stdnum_accepts_is_accepted(code, born):
    """The rule only widens stdnum's: its checksum and date checks still hold."""
    number = number_for(code, born, 5, True)
    if ric.is_valid(number):
        assert parse_citizen_id(number).number == number


@settings(max_examples=300, deadline=None, suppress_health_check=QUIET)
@given(code=st.from_regex(r"\A[0-9]{6}\Z").filter(lambda c: c not in TABLE))
@example(code="449999")  # a province stdnum knows with a county it does not: once a 500
@example(code="000000")
def test_a_code_not_in_the_table_does_not_exist(code):
    number = number_for(code, dt.date(1985, 7, 15), 1, True)
    with pytest.raises(ValidationError) as refused:
        parse_citizen_id(number)
    assert refused.value.errors == [
        FieldError("social_security_number", "the region code in it does not exist")
    ]


def test_the_check_character_and_the_date_are_still_checked_for_a_late_district():
    # 440106 (天河区, since 1985) with a 1970 birth: accepted when whole, refused when wrong.
    good = number_for("440106", dt.date(1970, 5, 1), 3, True)
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    with pytest.raises(ValidationError) as check:
        parse_citizen_id(wrong_check)
    assert check.value.errors == [
        FieldError("social_security_number", "the check character (the last one) does not match")
    ]
    no_day = "44010619700230031"  # 30 February 1970
    no_day += ric.calc_check_digit(no_day + "?")
    with pytest.raises(ValidationError) as date:
        parse_citizen_id(no_day)
    assert date.value.errors == [
        FieldError("social_security_number", "the birth date in it does not exist")
    ]
    assert parse_citizen_id(good).birth_date == dt.date(1970, 5, 1)


def test_region_names_keep_their_current_name():
    assert region_name("440106") == "天河区"
    assert region_name("440111") == "白云区"
    assert region_name("440102") == "东山区"
    assert region_name("440100") == "广州市"
    assert region_name("449999") == "449999"
    assert region_name("4401") == "4401"


# ---------------------------------------------------------------- through the API


YUEXIU_1976 = number_for("440104", dt.date(1976, 4, 2), 7, True)
TIANHE_1979 = number_for("440106", dt.date(1979, 11, 23), 12, False)


@pytest.mark.parametrize(
    ("number", "born", "sex", "region"),
    [
        (YUEXIU_1976, "1976-04-02", "M", "440104"),
        (TIANHE_1979, "1979-11-23", "F", "440106"),
    ],
)
def test_residents_born_before_their_district_existed_are_recorded(
    api, make_token, number, born, sex, region
):
    # Given a resident of 越秀区 born in 1976 (the district code dates from 1983), or of 天河区
    # born in 1979 (from 1985), whose numbers stdnum alone refuses
    assert not ric.is_valid(number)
    token = make_token("persons:write,persons:read")
    # When a partner records them
    response = api.post(
        "/persons",
        {"social_security_number": number, "name": "林建国", "phone": "13812345678"},
        token=token,
    )
    # Then they are recorded with what the number says
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["social_security_number"], body["birth_date"], body["sex"]) == (
        number,
        born,
        sex,
    )
    assert body["region_code"] == region
    person = Person.objects.get()
    assert (person.social_security_number, str(person.birth_date), person.region_code) == (
        number,
        born,
        region,
    )
    # and can be read back by the number.
    assert api.get(f"/persons/{number}", token=token).json()["name"] == "林建国"


def test_a_number_with_an_abolished_code_is_refused_through_the_api(api, make_token):
    # 440102 (东山区) was abolished in 2005: nobody born in 2010 holds it.
    number = number_for("440102", dt.date(2010, 1, 5), 1, True)
    token = make_token("persons:write")
    response = api.post(
        "/persons",
        {"social_security_number": number, "name": "林小明", "phone": "13812345678"},
        token=token,
    )
    assert response.status_code == 422
    assert response.json()["code"] == "invalid_social_security_number"
    assert response.json()["errors"] == [
        {
            "field": "social_security_number",
            "message": "the region code in it was abolished before the birth year",
        }
    ]
    assert not Person.objects.exists()


def test_the_console_names_an_abolished_region_code_in_its_words():
    from django.test import Client

    from tests.console_support import build_world

    world = build_world()
    client: Client = world.client("window_clerk")
    client.cookies["sscard_language"] = "en"
    number = number_for("440102", dt.date(2010, 1, 5), 1, True)
    answer = client.post("/console/people/", {"id_number": number})
    assert answer.status_code == 422
    assert (
        "The ID number holds a region code abolished before the birth year."
        in answer.content.decode()
    )
    client.cookies["sscard_language"] = "zh-hans"
    answer = client.post("/console/people/", {"id_number": number})
    assert "身份证号码中的地区代码在出生年份之前已撤销" in answer.content.decode()

"""Regional policy: which one applies, working-day validity, the ranges the database keeps."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from sscard.cards.models import LossReport
from sscard.cards.selectors import card_status
from sscard.cards.services import report_loss
from sscard.common.clock import frozen_at
from sscard.common.errors import DomainError
from sscard.console.views.people import person_url
from sscard.policy.models import LapseAction, RegionalPolicy, ValidityUnit
from sscard.policy.selectors import add_working_days, policy_for_region, temporary_report_expiry
from tests.console_support import build_world
from tests.factories import make_card, make_person, make_policy, nothing_changes
from tests.test_portal_access import signed_in

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


def at(year: int, month: int, day: int, hour: int, minute: int, second: int = 0) -> dt.datetime:
    """A moment in Beijing time."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


# ---------------------------------------------------------------- which policy applies


@pytest.fixture
def regional_policies(default_policy):
    return {
        "": default_policy,
        "44": make_policy(region_prefix="44", name="广东省"),
        "4401": make_policy(region_prefix="4401", name="广州市"),
        "440106": make_policy(region_prefix="440106", name="天河区"),
    }


@pytest.mark.parametrize(
    ("region_code", "prefix"),
    [
        ("440106", "440106"),  # Tianhe district has its own
        ("440104", "4401"),  # Yuexiu district: Guangzhou's
        ("440111", "4401"),  # Baiyun district: Guangzhou's
        ("440305", "44"),  # Nanshan, Shenzhen: Guangdong's
        ("441900", "44"),  # Dongguan: Guangdong's
        ("110105", ""),  # Chaoyang, Beijing: the default
        ("310115", ""),  # Pudong, Shanghai: the default
    ],
)
def test_the_most_specific_prefix_wins(regional_policies, region_code, prefix):
    assert policy_for_region(region_code) == regional_policies[prefix]


def test_a_more_specific_policy_wins_whatever_the_order_of_creation(default_policy):
    district = make_policy(region_prefix="440106", wrong_pins_before_lock=3)
    province = make_policy(region_prefix="44", wrong_pins_before_lock=5)
    assert policy_for_region("440106") == district
    assert policy_for_region("440106").wrong_pins_before_lock == 3
    assert policy_for_region("440105") == province
    assert policy_for_region("440105").wrong_pins_before_lock == 5


def test_the_default_policy_has_the_defaults_of_the_domain(default_policy):
    policy = policy_for_region("440106")
    assert policy == default_policy
    assert (
        policy.temporary_validity,
        policy.temporary_validity_unit,
        policy.on_temporary_lapse,
        policy.formal_report_required,
        policy.linked_loss_reporting,
        policy.reissue_fee,
        policy.replacement_fee,
        policy.batch_production_working_days,
        policy.uncollected_lapse_days,
        policy.wrong_pins_before_lock,
        policy.age_acting_alone,
        policy.card_validity_years,
    ) == (
        7,
        "calendar_days",
        "release",
        True,
        True,
        Decimal("20.00"),
        Decimal("0.00"),
        15,
        365,
        6,
        16,
        10,
    )


def test_without_any_policy_the_answer_is_policy_missing():
    RegionalPolicy.objects.all().delete()
    with pytest.raises(DomainError) as exc:
        policy_for_region("440106")
    assert (exc.value.code, exc.value.status) == ("policy_missing", 503)


def _no_policy_for_tianhe() -> None:
    """Guangdong is set up, Tianhe (440106) is not, and there is no default."""
    RegionalPolicy.objects.all().delete()
    make_policy(region_prefix="4403", name="深圳市")


def test_without_a_policy_the_api_answers_503_policy_missing_and_changes_nothing(api, make_token):
    holder = make_person()
    card = make_card(person=holder)
    _no_policy_for_tianhe()
    token = make_token("loss:report")

    with nothing_changes(card):
        answer = api.post(
            "/loss-reports",
            {
                "card_number": card.number,
                "kind": "temporary",
                "channel": "hotline",
                "reporter": {
                    "social_security_number": holder.social_security_number,
                    "name": holder.name,
                    "relation": "self",
                },
            },
            token=token,
        )

    assert (answer.status_code, answer["Content-Type"]) == (503, "application/problem+json")
    assert answer.json() == {
        "type": "https://sscard.example/problems/policy_missing",
        "title": "Not available",
        "status": 503,
        "detail": "No regional policy applies to this region and no default one is configured; "
        "an administrator must set one up. Nothing was changed.",
        "code": "policy_missing",
    }
    documented = api.get("/openapi.json").json()["paths"]["/api/v1/loss-reports"]["post"]
    assert "503" in documented["responses"]


def test_without_a_policy_the_console_and_the_portal_answer_a_page_that_says_so():
    world = build_world()
    citizen = make_person()
    card = make_card(person=citizen)
    _no_policy_for_tianhe()
    portal = signed_in(Client(), citizen)

    with nothing_changes(card):
        pages = [
            world.client("window_clerk").get(person_url(world.adult)),
            portal.get("/cards/"),
            portal.get(f"/cards/{card.number}/report/"),
        ]

    for page in pages:
        assert page.status_code == 503
        assert page["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"
        body = page.content.decode()
        assert '<main id="unavailable">' in body
        assert "The rules for this region have not been set up yet" in body
        assert "本地区的社保卡业务规则尚未设置" in body
    # A console form says it next to the others, in the clerk's language.
    with nothing_changes(world.adult_card):
        form = world.client("window_clerk").post(
            reverse("console:report_loss", args=[world.adult_card.number]),
            {"kind": "formal", "presenter": "self", "documents": ["id_card"], "confirm": "1"},
        )
    assert form.status_code == 503
    assert (
        "此处没有适用的地区政策，也未设置默认政策：请联系系统管理员设置。" in form.content.decode()
    )


def test_without_a_default_an_unmatched_region_is_policy_missing():
    RegionalPolicy.objects.filter(region_prefix="").delete()
    guangdong = make_policy(region_prefix="44")
    assert policy_for_region("440106") == guangdong
    with pytest.raises(DomainError) as exc:
        policy_for_region("110105")
    assert exc.value.code == "policy_missing"


# ---------------------------------------------------------------- validity of a temporary report


def test_calendar_days_validity_counts_every_day():
    seven_days = RegionalPolicy(temporary_validity=7)
    fifteen_days = RegionalPolicy(temporary_validity=15)
    # Made on the eve of the National Day holiday: the holiday does not matter.
    assert temporary_report_expiry(seven_days, at(2025, 9, 30, 16, 45)) == at(2025, 10, 7, 16, 45)
    assert temporary_report_expiry(fifteen_days, at(2025, 9, 30, 16, 45)) == at(
        2025, 10, 15, 16, 45
    )


def test_working_days_skip_weekends():
    policy = RegionalPolicy(temporary_validity=3, temporary_validity_unit=ValidityUnit.WORKING_DAYS)
    # Thursday 2026-03-12 + 3 working days: Fri 13, Mon 16, Tue 17.
    assert temporary_report_expiry(policy, at(2026, 3, 12, 9, 30)) == at(2026, 3, 17, 9, 30)
    # Made on a Saturday: Mon 16, Tue 17, Wed 18.
    assert temporary_report_expiry(policy, at(2026, 3, 14, 20, 0)) == at(2026, 3, 18, 20, 0)


def test_working_days_skip_the_national_day_holiday_and_count_the_make_up_saturday():
    # China's 2025 National Day and Mid-Autumn holiday ran from Wed 1 to Wed 8 October; Sunday
    # 28 September and Saturday 11 October were make-up working days.
    policy = RegionalPolicy(temporary_validity=3, temporary_validity_unit=ValidityUnit.WORKING_DAYS)
    # Made on Tuesday 30 September: Thu 9 Oct (1), Fri 10 Oct (2), Sat 11 Oct (3, make-up day).
    assert temporary_report_expiry(policy, at(2025, 9, 30, 16, 45)) == at(2025, 10, 11, 16, 45)
    # Made on Monday 29 September: Tue 30 Sep (1), Thu 9 Oct (2), Fri 10 Oct (3).
    assert temporary_report_expiry(policy, at(2025, 9, 29, 8, 0)) == at(2025, 10, 10, 8, 0)
    # Made on Saturday 27 September: Sun 28 Sep (1, make-up day), Mon 29 (2), Tue 30 (3).
    assert temporary_report_expiry(policy, at(2025, 9, 27, 12, 0)) == at(2025, 9, 30, 12, 0)
    assert add_working_days(dt.date(2025, 9, 30), 1) == dt.date(2025, 10, 9)


def test_working_days_are_counted_on_the_beijing_calendar_day():
    # 23:30 on 30 September in Beijing is 15:30 UTC the same day; the count starts from the
    # Beijing date, and the expiry keeps the Beijing time of day.
    policy = RegionalPolicy(temporary_validity=3, temporary_validity_unit=ValidityUnit.WORKING_DAYS)
    made = dt.datetime(2025, 9, 30, 15, 30, tzinfo=dt.UTC)
    assert temporary_report_expiry(policy, made) == at(2025, 10, 11, 23, 30)


def test_a_report_made_before_national_day_lapses_after_the_holiday(hotline):
    # Given Guangzhou's policy of 3 working days and a card holder there
    make_policy(
        region_prefix="4401",
        temporary_validity=3,
        temporary_validity_unit=ValidityUnit.WORKING_DAYS,
        on_temporary_lapse=LapseAction.RELEASE,
    )
    made = at(2025, 9, 30, 16, 45)
    with frozen_at(made):
        holder = make_person(age=40)
        card = make_card(person=holder)
        # When the holder reports the card lost by phone on the eve of the holiday
        outcome = report_loss(
            actor=hotline, card=card, kind="temporary", reporter=holder, relation="self"
        )
    # then it runs until 16:45 on Saturday 11 October, the third working day after
    report = LossReport.objects.get(pk=outcome.report.pk)
    assert (report.effective_at, report.expires_at) == (made, at(2025, 10, 11, 16, 45))
    # and the card stays blocked through the whole holiday
    with frozen_at(at(2025, 10, 11, 16, 44, 59)):
        view = card_status(card.number)
        assert (view.status, view.usable, view.blocked_until) == (
            "temporarily_lost",
            False,
            at(2025, 10, 11, 16, 45),
        )
    # and is normal again from that moment.
    with frozen_at(at(2025, 10, 11, 16, 45)):
        view = card_status(card.number)
        assert (view.status, view.usable, view.bank_status, view.blocked_until) == (
            "normal",
            True,
            "normal",
            None,
        )


# ---------------------------------------------------------------- ranges the database keeps


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temporary_validity", 0),
        ("temporary_validity", 31),
        ("reissue_fee", Decimal("-0.01")),
        ("reissue_fee", Decimal("100.01")),
        ("replacement_fee", Decimal("-1.00")),
        ("replacement_fee", Decimal("101.00")),
        ("wrong_pins_before_lock", 0),
        ("wrong_pins_before_lock", 11),
        ("age_acting_alone", 13),
        ("age_acting_alone", 19),
        ("batch_production_working_days", 0),
        ("batch_production_working_days", 61),
        ("uncollected_lapse_days", 29),
        ("card_validity_years", 0),
        ("card_validity_years", 21),
    ],
)
def test_the_database_refuses_an_out_of_range_policy(field, value):
    with pytest.raises(IntegrityError), transaction.atomic():
        RegionalPolicy.objects.create(region_prefix="4401", name="广州市", **{field: value})
    assert not RegionalPolicy.objects.filter(region_prefix="4401").exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("temporary_validity", 1),
        ("temporary_validity", 30),
        ("reissue_fee", Decimal("0.00")),
        ("reissue_fee", Decimal("100.00")),
        ("replacement_fee", Decimal("30.00")),
        ("wrong_pins_before_lock", 1),
        ("wrong_pins_before_lock", 10),
        ("age_acting_alone", 14),
        ("age_acting_alone", 18),
        ("batch_production_working_days", 1),
        ("batch_production_working_days", 60),
        ("uncollected_lapse_days", 30),
        ("card_validity_years", 1),
        ("card_validity_years", 20),
    ],
)
def test_the_database_accepts_the_edges_of_each_range(field, value):
    with transaction.atomic():
        RegionalPolicy.objects.create(region_prefix="4401", name="广州市", **{field: value})
    assert RegionalPolicy.objects.filter(region_prefix="4401").values_list(
        field, flat=True
    ).get() == (value)


def test_one_policy_per_prefix():
    make_policy(region_prefix="4401")
    with pytest.raises(IntegrityError), transaction.atomic():
        RegionalPolicy.objects.create(region_prefix="4401", name="again")
    assert RegionalPolicy.objects.filter(region_prefix="4401").count() == 1

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

import factory

from sscard.cards.models import BankStatus, Card, CardStatus
from sscard.cards.numbers import card_number_for
from sscard.common import clock
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.partners.models import Bank
from sscard.people.generate import make_citizen_id
from sscard.people.models import Guardianship, Person, new_person_reference
from sscard.policy.models import RegionalPolicy

_serial = itertools.count(1)
ALL_HOURS = {str(d): [["00:00", "23:59"]] for d in range(1, 8)}


def citizen_id(*, age: int = 45, male: bool = True, region: str = "440106") -> str:
    """A valid ID number of someone `age` years old today. By default from 天河区 (440106), a
    district created in 1985, and born before that: numbers carry the code of the registration
    when they were assigned (DOMAIN.md section 3), and many real residents' do."""
    n = next(_serial)
    today = clock.today()
    # Born 1 to 300 days before the date `age` years ago: exactly `age` years old today.
    years_ago = dt.date(today.year - age, today.month, min(today.day, 28))
    born = years_ago - dt.timedelta(days=1 + n % 300)
    return make_citizen_id(region, born, n, male=male)


def with_a_wrong_check_character(number: str) -> str:
    """The same ID number with a check character that does not match: always a typo, whatever
    the right one is (replacing it by a fixed "0" is no typo for one number in eleven)."""
    return number[:-1] + ("1" if number[-1] == "0" else "0")


class BankFactory(factory.django.DjangoModelFactory[Bank]):
    class Meta:
        model = Bank
        django_get_or_create = ("code",)

    code = "ICBC"
    name = "中国工商银行"


class OutletFactory(factory.django.DjangoModelFactory[Outlet]):
    class Meta:
        model = Outlet

    code = factory.Sequence(lambda n: f"T{n:05d}")
    name = factory.Sequence(lambda n: f"天河区社会保险服务中心{n}")
    type = OutletType.SOCIAL_INSURANCE_AGENCY
    address = "广州市天河区天河路1号"
    region_code = "440106"
    lat = 23.1291
    lon = 113.3225
    hours = ALL_HOURS
    services = [
        Service.TEMPORARY_LOSS_REPORT,
        Service.FORMAL_LOSS_REPORT,
        Service.LIFT,
        Service.REISSUE,
        Service.COLLECTION,
        Service.ACTIVATION,
        Service.PIN_RESET,
        Service.INQUIRY,
    ]


class BankOutletFactory(OutletFactory):
    type = OutletType.BANK_OUTLET
    bank = factory.SubFactory(BankFactory)
    name = factory.Sequence(lambda n: f"工商银行天河支行{n}")
    services = [
        Service.TEMPORARY_LOSS_REPORT,
        Service.FORMAL_LOSS_REPORT,
        Service.LIFT,
        Service.REISSUE,
        Service.INSTANT_ISSUANCE,
        Service.COLLECTION,
        Service.ACTIVATION,
        Service.PIN_RESET,
    ]


class PersonFactory(factory.django.DjangoModelFactory[Person]):
    class Meta:
        model = Person

    class Params:
        age = 45  # born before the default district's code existed: see `citizen_id`
        male = True

    reference = factory.LazyFunction(new_person_reference)
    social_security_number = factory.LazyAttribute(lambda o: citizen_id(age=o.age, male=o.male))
    name = factory.Sequence(lambda n: f"陈{'一二三四五六七八九十'[n % 10]}")
    sex = factory.LazyAttribute(lambda o: "M" if int(o.social_security_number[16]) % 2 else "F")
    birth_date = factory.LazyAttribute(
        lambda o: dt.datetime.strptime(o.social_security_number[6:14], "%Y%m%d").date()
    )
    region_code = factory.LazyAttribute(lambda o: o.social_security_number[:6])
    phone = factory.Sequence(lambda n: f"138{n:08d}")
    email = factory.Sequence(lambda n: f"person{n}@example.cn")
    created_at = factory.LazyFunction(clock.now)


class GuardianshipFactory(factory.django.DjangoModelFactory[Guardianship]):
    class Meta:
        model = Guardianship

    guardian = factory.SubFactory(PersonFactory)
    ward = factory.SubFactory(PersonFactory, age=8)
    relation = "parent"
    created_at = factory.LazyFunction(clock.now)


_card_serial = itertools.count(9_000_000)


class CardFactory(factory.django.DjangoModelFactory[Card]):
    """A card in the holder's hand, activated with PIN 147258."""

    class Meta:
        model = Card

    number = factory.LazyFunction(lambda: card_number_for(next(_card_serial)))
    identification_code = factory.Sequence(lambda n: f"{n:032X}")
    person = factory.SubFactory(PersonFactory)
    issuing_region_code = "440106"
    issued_on = factory.LazyFunction(lambda: clock.today() - dt.timedelta(days=400))
    expires_on = factory.LazyFunction(lambda: clock.today() + dt.timedelta(days=3000))
    bank = factory.SubFactory(BankFactory)
    account_number = factory.Sequence(lambda n: f"6222020200{n:09d}")
    status = CardStatus.NORMAL
    bank_status = BankStatus.NORMAL
    pin_hash = factory.LazyFunction(lambda: _demo_pin_hash())
    created_at = factory.LazyFunction(clock.now)
    updated_at = factory.LazyFunction(clock.now)


_pin_hash_cache: dict[str, str] = {}


def _demo_pin_hash() -> str:
    from sscard.cards.pins import hash_pin

    if "h" not in _pin_hash_cache:
        _pin_hash_cache["h"] = hash_pin("147258")
    return _pin_hash_cache["h"]


# ---------------------------------------------------------------- regional policies


class RegionalPolicyFactory(factory.django.DjangoModelFactory[RegionalPolicy]):
    """A regional policy with the defaults of DOMAIN.md section 8 unless told otherwise."""

    class Meta:
        model = RegionalPolicy

    region_prefix = "4401"
    name = factory.LazyAttribute(lambda o: f"Policy {o.region_prefix or '*'}")


# ---------------------------------------------------------------- refusals change nothing


def db_state(*rows: Any) -> dict[str, Any]:
    """Row counts of every sscard table, the values of the given rows, the audit head and
    the sequences: what a refusal must leave exactly as it was."""
    from django.apps import apps

    from sscard.audit.models import AuditHead
    from sscard.common.models import Sequence

    return {
        "counts": {
            model._meta.label: model._default_manager.count()
            for model in apps.get_models()
            if model.__module__.startswith("sscard.")
        },
        "rows": [type(row)._default_manager.filter(pk=row.pk).values().first() for row in rows],
        "audit_head": list(
            AuditHead.objects.order_by("bucket").values_list("bucket", "seq", "hash")
        ),
        "sequences": dict(Sequence.objects.values_list("name", "value")),
    }


@contextmanager
def nothing_changes(*rows: Any) -> Iterator[None]:
    """Use as `with nothing_changes(card), pytest.raises(...):` around a refused call."""
    before = db_state(*rows)
    yield
    assert db_state(*rows) == before


# ---------------------------------------------------------------- typed shortcuts
# factory_boy types `Factory.create()` only when the factory is generic; calling the class is
# typed as the factory itself. These give mypy the model type.


def make_person(**kwargs: Any) -> Person:
    return cast(Person, PersonFactory(**kwargs))


def make_guardianship(**kwargs: Any) -> Guardianship:
    return cast(Guardianship, GuardianshipFactory(**kwargs))


def make_card(**kwargs: Any) -> Card:
    return cast(Card, CardFactory(**kwargs))


def make_outlet(**kwargs: Any) -> Outlet:
    return cast(Outlet, OutletFactory(**kwargs))


def make_policy(**kwargs: Any) -> RegionalPolicy:
    return cast(RegionalPolicy, RegionalPolicyFactory(**kwargs))

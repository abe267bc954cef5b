from __future__ import annotations

import datetime as dt
import itertools

import factory

from sscard.cards.models import BankStatus, Card, CardStatus
from sscard.cards.numbers import card_number_for
from sscard.common import clock
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.partners.models import Bank
from sscard.people.generate import make_citizen_id
from sscard.people.models import Guardianship, Person

_serial = itertools.count(1)
ALL_HOURS = {str(d): [["00:00", "23:59"]] for d in range(1, 8)}


def citizen_id(*, age: int = 35, male: bool = True, region: str = "440106") -> str:
    n = next(_serial)
    today = clock.today()
    born = dt.date(today.year - age, 1, 1) + dt.timedelta(days=n % 300)
    if born > today.replace(year=today.year - age):
        born = born.replace(year=born.year - 1)
    return make_citizen_id(region, born, n, male=male)


class BankFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Bank
        django_get_or_create = ("code",)

    code = "ICBC"
    name = "中国工商银行"


class OutletFactory(factory.django.DjangoModelFactory):
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


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    class Params:
        age = 35
        male = True

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


class GuardianshipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Guardianship

    guardian = factory.SubFactory(PersonFactory)
    ward = factory.SubFactory(PersonFactory, age=8)
    relation = "parent"
    created_at = factory.LazyFunction(clock.now)


_card_serial = itertools.count(9_000_000)


class CardFactory(factory.django.DjangoModelFactory):
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

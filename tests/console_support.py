"""A small world for the console's tests: outlets of every kind, one staff user per role, an
adult with a card and a child whose parent is recorded as guardian."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth import get_user_model
from django.test import Client

from sscard.cards.models import Card
from sscard.common.context import Actor
from sscard.outlets.models import Outlet, OutletType, Service
from sscard.partners.models import Bank
from sscard.people.models import Guardianship, Person
from sscard.staff.services import create_staff_user
from tests.factories import (
    BankFactory,
    BankOutletFactory,
    OutletFactory,
    make_card,
    make_guardianship,
    make_person,
)

PASSWORD = "desk-Passw0rd-2026"
ROLES = (
    "community_clerk",
    "window_clerk",
    "bank_clerk",
    "hotline_agent",
    "supervisor",
    "admin",
)


@dataclass
class World:
    agency: Outlet
    other_agency: Outlet
    bureau: Outlet
    community: Outlet
    bank: Bank
    bank_outlet: Outlet
    other_bank: Bank
    other_bank_outlet: Outlet
    adult: Person
    adult_card: Card
    parent: Person
    child: Person
    child_card: Card
    link: Guardianship
    users: dict[str, Any] = field(default_factory=dict)

    def client(self, role: str) -> Client:
        client = Client()
        client.force_login(self.users[role])
        return client


def build_world(*, passwords: bool = False) -> World:
    """Outlets, people and cards, and one user per role (a password only when asked: hashing
    one is slow, and most tests sign in with `force_login`)."""
    all_services = list(Service.values)
    agency = OutletFactory.create(code="SI0001", name="天河区社会保险基金管理中心")
    other_agency = OutletFactory.create(code="SI0002", name="海珠区社会保险基金管理中心")
    bureau = OutletFactory.create(
        code="HR0001",
        name="广州市人力资源和社会保障局",
        type=OutletType.HRSS_BUREAU,
        services=all_services,
    )
    community = OutletFactory.create(
        code="CC0001",
        name="天河区石牌社区居民委员会",
        type=OutletType.COMMUNITY_COMMITTEE,
        services=[Service.INTAKE, Service.INQUIRY],
    )
    bank = BankFactory.create(code="ICBC", name="中国工商银行")
    other_bank = BankFactory.create(code="CCB", name="中国建设银行")
    bank_outlet = BankOutletFactory.create(code="BK0001", bank=bank, name="工商银行天河支行")
    other_bank_outlet = BankOutletFactory.create(
        code="BK0002", bank=other_bank, name="建设银行体育西路支行"
    )
    adult = make_person(age=40, name="陈大文", phone="13812345678")
    adult_card = make_card(person=adult, bank=bank)
    link = make_guardianship(ward__age=9, guardian__age=38, ward__name="陈小明")
    child, parent = link.ward, link.guardian
    child_card = make_card(person=child, bank=bank)
    world = World(
        agency=agency,
        other_agency=other_agency,
        bureau=bureau,
        community=community,
        bank=bank,
        bank_outlet=bank_outlet,
        other_bank=other_bank,
        other_bank_outlet=other_bank_outlet,
        adult=adult,
        adult_card=adult_card,
        parent=parent,
        child=child,
        child_card=child_card,
        link=link,
    )
    outlets = {
        "community_clerk": community,
        "window_clerk": agency,
        "bank_clerk": bank_outlet,
        "hotline_agent": bureau,
        "supervisor": bureau,
        "admin": bureau,
    }
    for role in ROLES:
        world.users[role] = create_staff_user(
            actor=Actor.system(),
            username=role.replace("_", "-"),
            password=PASSWORD if passwords else None,
            role=role,
            outlet_code=outlets[role].code,
        )
    return world


def add_staff(role: str, outlet: Outlet, username: str, *, password: str | None = None) -> Any:
    return create_staff_user(
        actor=Actor.system(),
        username=username,
        password=password,
        role=role,
        outlet_code=outlet.code,
    )


def unbound_user() -> Any:
    return get_user_model().objects.create_user(username="no-binding")

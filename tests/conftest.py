from __future__ import annotations

import pytest

from sscard.common.context import Actor, Channel, Role
from sscard.policy.models import RegionalPolicy
from tests.factories import BankFactory, BankOutletFactory, OutletFactory


@pytest.fixture(autouse=True)
def default_policy(db: None) -> RegionalPolicy:
    """The default policy comes from a data migration; transactional tests flush it."""
    policy, _ = RegionalPolicy.objects.get_or_create(
        region_prefix="", defaults={"name": "National default"}
    )
    return policy


@pytest.fixture
def bank():
    return BankFactory.create()


@pytest.fixture
def agency():
    return OutletFactory.create(code="AG0001", name="天河区社会保险经办中心")


@pytest.fixture
def bank_outlet(bank):
    return BankOutletFactory.create(code="BK0001", bank=bank)


def actor(
    channel: str, role: str = Role.WINDOW_CLERK, outlet: str | None = None, bank: str | None = None
) -> Actor:
    kinds: dict[str, str] = {
        Role.CITIZEN: "citizen",
        Role.SYSTEM: "system",
        Role.PARTNER: "partner",
    }
    kind = kinds.get(role, "staff")
    return Actor(
        kind=kind, id=f"{role}-1", role=role, channel=channel, outlet_code=outlet, bank_code=bank
    )


@pytest.fixture
def window(agency) -> Actor:
    return actor(Channel.WINDOW, Role.WINDOW_CLERK, agency.code)


@pytest.fixture
def hotline() -> Actor:
    return actor(Channel.HOTLINE, Role.HOTLINE_AGENT)


@pytest.fixture
def bank_clerk(bank_outlet, bank) -> Actor:
    return actor(Channel.BANK, Role.BANK_CLERK, bank_outlet.code, bank.code)

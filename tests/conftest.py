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


@pytest.fixture(autouse=True)
def numbers_from_one(db: None) -> None:
    """Each test numbers loss reports from 1, as a fresh database does: on PostgreSQL their
    counter is a sequence, which a test's rollback does not wind back."""
    from sscard.common.models import UNLOCKED, restart

    restart(UNLOCKED)


@pytest.fixture(autouse=True)
def audit_key_file(settings, tmp_path_factory) -> None:
    """Each test signs the audit checkpoints with a key of its own, outside the var directory."""
    settings.AUDIT_KEY_FILE = tmp_path_factory.mktemp("audit-key") / "audit_key"


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


class ApiCaller:
    """Calls the API through Django's test client, as a partner or citizen would over HTTP."""

    def __init__(self) -> None:
        from django.test import Client

        self.http = Client()

    def _headers(self, token: str | None, headers: dict[str, str] | None) -> dict[str, str]:
        out = dict(headers or {})
        if token is not None:
            out["Authorization"] = f"Bearer {token}"
        return out

    def get(self, path: str, *, token: str | None = None, **params: str | int):
        return self.http.get(
            "/api/v1" + path, data=params or None, headers=self._headers(token, None)
        )

    def post(
        self,
        path: str,
        body: object = None,
        *,
        token: str | None = None,
        headers: dict[str, str] | None = None,
        raw: bytes | str | None = None,
        content_type: str = "application/json",
    ):
        import json as _json

        data = raw if raw is not None else _json.dumps(body if body is not None else {})
        return self.http.post(
            "/api/v1" + path,
            data=data,
            content_type=content_type,
            headers=self._headers(token, headers),
        )


@pytest.fixture
def api() -> ApiCaller:
    return ApiCaller()


@pytest.fixture
def make_token():
    """make_token("cards:verify,cards:read", outlet="AG0001", bank="ICBC") -> bearer token."""
    from sscard.partners.services import create_api_client

    counter = iter(range(1, 10_000))

    def make(
        scopes: str, *, outlet: str | None = None, bank: str | None = None, name: str = ""
    ) -> str:
        return create_api_client(
            actor=actor(Channel.SYSTEM, Role.ADMIN),
            name=name or f"client-{next(counter)}",
            scopes=scopes,
            outlet_code=outlet,
            bank_code=bank,
        ).token

    return make


@pytest.fixture
def citizen_token():
    """citizen_token(person) -> a bearer token as the app gets it after sign-in."""
    from sscard.partners.services import issue_citizen_token

    def make(person) -> str:
        return issue_citizen_token(person=person).token

    return make

"""The electronic card through API v1 (API.md "The electronic card"): issuing and revoking it,
its codes, their verification online at a point of use and the public keys that verify them
offline; every bad code refused with its own problem and nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from sscard.audit.models import AuditEvent
from sscard.cards.models import BankStatus, CardStatus
from sscard.cards.services import report_loss
from sscard.common.clock import frozen_at
from sscard.common.context import Actor, Channel, Role
from sscard.ecard.codes import b64url, parse_code, sign_code, verify_signed
from sscard.ecard.keys import public_keys
from sscard.ecard.models import ElectronicCard, UsedCode
from sscard.ecard.services import sweep_used_codes, verify_code
from tests.factories import make_card, make_guardianship, make_person, nothing_changes

pytestmark = pytest.mark.django_db

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
T0 = dt.datetime(2026, 3, 10, 10, 0, tzinfo=SHANGHAI)
WOMAN = "44010619900307028X"
CHILD = "440106201805200074"


@pytest.fixture
def clock() -> Iterator[list[dt.datetime]]:
    """The frozen clock; a test moves it by setting clock[0] inside `moved`."""
    with frozen_at(T0):
        yield [T0]


@pytest.fixture
def holder(clock):
    return make_person(social_security_number=WOMAN, name="王芳", phone="13812345678")


@pytest.fixture
def card(holder, bank):
    return make_card(person=holder, bank=bank)


@pytest.fixture
def me(citizen_token, holder):
    return citizen_token(holder)


@pytest.fixture
def till(make_token):
    return make_token("cards:verify")


def issue(api, token, **body):
    return api.post("/me/ecard", body or None, token=token)


def new_code(api, token, **body) -> str:
    response = api.post("/me/ecard/codes", body or None, token=token)
    assert response.status_code == 200, response.content
    return response.json()["code"]


def actions() -> list[str]:
    rows = AuditEvent.objects.filter(action__startswith="ecard.").order_by("seq")
    return list(rows.values_list("action", flat=True))


# ---------------------------------------------------------------- issuing and revoking


def test_a_citizen_with_a_collected_card_is_issued_an_electronic_card_bound_to_it(api, me, card):
    response = issue(api, me)

    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["card_number"], body["in_force"]) == (card.number, True)
    assert ElectronicCard.objects.get().card == card
    assert actions() == ["ecard.issued"]
    again = issue(api, me)
    assert (again.status_code, again.json()["code"]) == (409, "ecard_exists")


@pytest.mark.parametrize("status", [CardStatus.IN_PRODUCTION, CardStatus.AWAITING_COLLECTION])
def test_no_electronic_card_without_a_collected_card(api, me, holder, bank, status):
    make_card(person=holder, bank=bank, status=status, bank_status=BankStatus.NOT_OPENED)

    with nothing_changes():
        response = issue(api, me)

    assert response.status_code == 409
    assert response.json()["code"] == "no_card"


def test_no_electronic_card_for_a_person_without_any_card(api, me):
    response = issue(api, me)
    assert (response.status_code, response.json()["code"]) == (409, "no_card")


def test_a_guardian_issues_and_revokes_the_electronic_card_of_a_ward(api, me, holder, bank, clock):
    child = make_person(social_security_number=CHILD, name="李小明")
    make_guardianship(guardian=holder, ward=child)
    ward_card = make_card(person=child, bank=bank)

    response = issue(api, me, social_security_number=CHILD)

    assert response.status_code == 201, response.content
    assert response.json()["card_number"] == ward_card.number
    code = new_code(api, me, social_security_number=CHILD)
    assert parse_code(code)[0].card_number == ward_card.number
    revoked = api.http.delete(
        f"/api/v1/me/ecard?social_security_number={CHILD}",
        headers={"Authorization": f"Bearer {me}"},
    )
    assert revoked.status_code == 204
    assert ElectronicCard.objects.get(person=child).revoked_at is not None


def test_a_stranger_s_electronic_card_is_out_of_reach(api, me, bank):
    stranger = make_person(social_security_number=CHILD, name="李小明")
    make_card(person=stranger, bank=bank)

    with nothing_changes():
        response = issue(api, me, social_security_number=CHILD)

    assert (response.status_code, response.json()["code"]) == (404, "person_not_found")


def test_only_a_citizen_has_an_electronic_card(api, till, card):
    response = issue(api, till)
    assert (response.status_code, response.json()["code"]) == (
        403,
        "citizen_token_required",
    )


def test_the_holder_revokes_and_its_codes_stop_verifying(api, me, till, card):
    issue(api, me)
    code = new_code(api, me)

    revoked = api.http.delete("/api/v1/me/ecard", headers={"Authorization": f"Bearer {me}"})

    assert revoked.status_code == 204
    response = api.post("/ecard/verify", {"code": code}, token=till)
    assert (response.status_code, response.json()["code"]) == (410, "ecard_revoked")
    no_more = api.post("/me/ecard/codes", None, token=me)
    assert (no_more.status_code, no_more.json()["code"]) == (404, "ecard_not_found")
    assert actions() == ["ecard.issued", "ecard.key_rotated", "ecard.revoked"]


# ---------------------------------------------------------------- codes and verification


def test_a_code_verifies_online_with_the_live_status_and_the_masked_name_only(api, me, till, card):
    issue(api, me)
    response = api.post("/me/ecard/codes", None, token=me)
    assert response.status_code == 200
    body = response.json()
    assert body["expires_at"] == "2026-03-10T10:01:00+08:00"

    verified = api.post("/ecard/verify", {"code": body["code"]}, token=till)

    assert verified.status_code == 200, verified.content
    assert verified.json() == {
        "card_number": card.number,
        "status": "normal",
        "usable": True,
        "holder": {"name": "王*"},
        "expires_at": "2026-03-10T10:01:00+08:00",
        "purpose": "identify",
    }
    assert WOMAN not in verified.content.decode()
    # Shown again within its life: accepted again.
    assert api.post("/ecard/verify", {"code": body["code"]}, token=till).status_code == 200
    assert ElectronicCard.objects.get().last_used_at == T0


def test_verification_needs_the_cards_verify_scope(api, me, make_token, card):
    issue(api, me)
    code = new_code(api, me)
    reader = make_token("cards:read")

    response = api.post("/ecard/verify", {"code": code}, token=reader)

    assert (response.status_code, response.json()["code"]) == (403, "insufficient_scope")


def test_a_payment_code_is_accepted_once_and_its_nonce_swept_after_expiry(api, me, till, card):
    issue(api, me)
    code = new_code(api, me, purpose="payment")

    first = api.post("/ecard/verify", {"code": code}, token=till)
    second = api.post("/ecard/verify", {"code": code}, token=till)

    assert first.status_code == 200 and first.json()["purpose"] == "payment"
    assert (second.status_code, second.json()["code"]) == (409, "code_used")
    assert UsedCode.objects.count() == 1
    assert sweep_used_codes() == 0
    with frozen_at(T0 + dt.timedelta(minutes=5)):
        assert sweep_used_codes() == 1
    assert UsedCode.objects.count() == 0


def test_an_unknown_purpose_is_refused(api, me, card):
    issue(api, me)
    response = api.post("/me/ecard/codes", {"purpose": "gift"}, token=me)
    assert response.status_code == 422


def _tampered(code: str) -> str:
    parts = code.split(".")
    parts[3] = "A99999999" if parts[3] != "A99999999" else "B99999999"
    return ".".join(parts)


def _wrong_key(code: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    claims, _, _ = parse_code(code)
    forged, _ = sign_code(
        private_key=Ed25519PrivateKey.generate(),
        kid=claims.kid,
        serial=claims.serial,
        card_number=claims.card_number,
        issued_at=T0,
        lifetime_seconds=60,
        purpose="i",
    )
    return forged


def _unknown_key(code: str) -> str:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    claims, _, _ = parse_code(code)
    forged, _ = sign_code(
        private_key=Ed25519PrivateKey.generate(),
        kid="forgedkey1",
        serial=claims.serial,
        card_number=claims.card_number,
        issued_at=T0,
        lifetime_seconds=60,
        purpose="i",
    )
    return forged


@pytest.mark.parametrize(
    ("spoil", "status", "problem"),
    [
        (_tampered, 422, "code_invalid"),
        (lambda c: c[: len(c) // 2], 422, "code_malformed"),
        (lambda c: c[:-1], 422, "code_malformed"),
        (lambda c: "hello", 422, "code_malformed"),
        (_wrong_key, 422, "code_invalid"),
        (_unknown_key, 422, "code_unknown_key"),
    ],
    ids=["tampered", "truncated", "one-short", "not-a-code", "wrong-key", "unknown-key"],
)
def test_a_bad_code_is_refused_with_its_own_problem_and_nothing_written(
    api, me, till, card, spoil, status, problem
):
    issue(api, me)
    code = new_code(api, me, purpose="payment")

    with nothing_changes(ElectronicCard.objects.get()):
        response = api.post("/ecard/verify", {"code": spoil(code)}, token=till)

    assert response.status_code == status, response.content
    assert response.json()["code"] == problem
    assert response["Content-Type"] == "application/problem+json"


def test_an_expired_code_is_refused(api, me, till, card):
    issue(api, me)
    code = new_code(api, me)

    with frozen_at(T0 + dt.timedelta(seconds=70)):
        response = api.post("/ecard/verify", {"code": code}, token=till)

    assert (response.status_code, response.json()["code"]) == (410, "code_expired")


def test_a_future_dated_code_is_refused(api, me, till, card):
    issue(api, me)
    with frozen_at(T0 + dt.timedelta(minutes=10)):
        code = new_code(api, me)

    response = api.post("/ecard/verify", {"code": code}, token=till)

    assert (response.status_code, response.json()["code"]) == (422, "code_not_yet_valid")


def test_a_cancelled_card_s_codes_are_refused(api, me, till, card):
    issue(api, me)
    code = new_code(api, me)
    card.status = CardStatus.CANCELLED
    card.save(update_fields=["status"])

    response = api.post("/ecard/verify", {"code": code}, token=till)

    assert (response.status_code, response.json()["code"]) == (410, "ecard_card_cancelled")


# ---------------------------------------------------------------- loss reports and policy


def _report_lost(card) -> None:
    report_loss(
        card=card,
        actor=Actor(kind="staff", id="clerk", role=Role.HOTLINE_AGENT, channel=Channel.HOTLINE),
        kind="temporary",
        reporter=card.person,
        relation="self",
    )


def test_a_lost_card_s_electronic_card_serves_on_by_default(api, me, till, card):
    issue(api, me)
    code = new_code(api, me)
    _report_lost(card)

    body = api.post("/ecard/verify", {"code": code}, token=till).json()

    assert (body["status"], body["usable"]) == ("temporarily_lost", True)


def test_where_the_policy_says_so_a_loss_blocks_the_electronic_card_at_once(
    api, me, till, card, default_policy
):
    default_policy.ecard_blocked_by_loss = True
    default_policy.save()
    issue(api, me)
    code = new_code(api, me)
    status_before = api.get(f"/cards/{card.number}/status", token=till).json()
    assert api.post("/ecard/verify", {"code": code}, token=till).json()["usable"] is True
    _report_lost(card)

    body = api.post("/ecard/verify", {"code": code}, token=till).json()
    status_after = api.get(f"/cards/{card.number}/status", token=till).json()

    assert (body["status"], body["usable"]) == ("temporarily_lost", False)
    assert (status_before["usable"], status_after["status"]) == (True, body["status"])


# ---------------------------------------------------------------- a new card


def test_after_a_reissue_the_electronic_card_follows_the_new_card_once_activated(
    api, me, till, make_token, agency, holder, card, bank
):
    issue(api, me)
    card.status = CardStatus.CANCELLED
    card.save(update_fields=["status"])
    new = make_card(
        person=holder,
        bank=bank,
        generation=2,
        status=CardStatus.SEALED,
        bank_status=BankStatus.NOT_OPENED,
        pin_hash="",
    )
    assert ElectronicCard.objects.get().card == card

    activated = api.post(
        f"/cards/{new.number}/activation",
        {"pin": "802413", "documents": ["id_card"]},
        token=make_token("cards:activate", outlet="AG0001"),
    )

    assert activated.status_code == 200, activated.content
    assert ElectronicCard.objects.get().card == new
    body = api.post("/ecard/verify", {"code": new_code(api, me)}, token=till).json()
    assert (body["card_number"], body["usable"]) == (new.number, True)
    assert "ecard.rebound" in actions()


# ---------------------------------------------------------------- keys


def test_the_keys_are_published_as_jwks_and_a_retired_key_verifies_until_its_codes_expire(
    api, me, till, card
):
    issue(api, me)
    code = new_code(api, me)
    old_kid = parse_code(code)[0].kid

    call_command("ecard", "rotate-key", stdout=__import__("io").StringIO())
    keys = api.get("/ecard/keys").json()["keys"]

    assert len(keys) == 2
    assert {k["kid"] for k in keys} >= {old_kid}
    assert all((k["kty"], k["crv"], k["alg"]) == ("OKP", "Ed25519", "EdDSA") for k in keys)
    assert api.post("/ecard/verify", {"code": code}, token=till).status_code == 200
    newer = new_code(api, me)
    assert parse_code(newer)[0].kid != old_kid
    with frozen_at(T0 + dt.timedelta(minutes=2)):
        later = api.get("/ecard/keys").json()["keys"]
    assert [k["kid"] for k in later] == [parse_code(newer)[0].kid]


def test_the_private_keys_are_kept_encrypted(api, me, card):
    from sscard.ecard.models import SigningKey

    issue(api, me)
    new_code(api, me)
    key = SigningKey.objects.get()
    stored = bytes(key.private_key_encrypted)
    assert len(stored) == 12 + 32 + 16
    assert key.public_key not in stored.decode("latin-1")
    assert b64url(stored) != key.public_key
    claims = verify_signed(new_code(api, me), public_keys(), now=T0, max_lifetime=60)
    assert claims.card_number == card.number


def test_a_verification_inside_a_transaction_leaves_its_commit_durable(api, me, card):
    """The last use is written without waiting for the disk only on its own; inside a caller's
    transaction (a payment's, say) that transaction's commit stays synchronous."""
    issue(api, me)
    code = new_code(api, me, purpose="payment")

    with transaction.atomic():
        verify_code(code)
        assert ElectronicCard.objects.get().last_used_at is not None
        assert UsedCode.objects.count() == 1
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SHOW synchronous_commit")
                assert cursor.fetchone()[0] == "on"

"""`sscard ecard verify CODE --keys FILE` checks a code the way a pharmacy's till does offline,
with only the published keys; `sscard ecard rotate-key` signs with a new key from then on."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from sscard.common.clock import frozen_at
from sscard.ecard.codes import parse_code
from tests.factories import make_card, make_person

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def clock() -> Iterator[None]:
    with frozen_at(T0):
        yield


@pytest.fixture
def me(citizen_token, bank):
    holder = make_person(name="王芳")
    make_card(person=holder, bank=bank)
    return citizen_token(holder)


def _code(api, token, **body) -> str:
    assert api.post("/me/ecard", None, token=token).status_code == 201
    return str(api.post("/me/ecard/codes", body or None, token=token).json()["code"])


def _keys_file(api, tmp_path: Path) -> str:
    path = tmp_path / "keys.json"
    path.write_text(json.dumps(api.get("/ecard/keys").json()))
    return str(path)


def verify(code: str, keys: str) -> str:
    out = StringIO()
    call_command("ecard", "verify", code, "--keys", keys, stdout=out)
    return out.getvalue()


def test_a_good_code_verifies_offline_with_the_published_keys(api, me, tmp_path):
    code = _code(api, me)
    keys = _keys_file(api, tmp_path)
    claims = parse_code(code)[0]

    printed = verify(code, keys)

    assert printed.startswith(f"valid: card {claims.card_number}, identify, key {claims.kid}")


@pytest.mark.parametrize(
    ("spoil", "problem"),
    [
        (lambda c: c.replace(".i.", ".p."), "code_invalid"),
        (lambda c: c[:40], "code_malformed"),
    ],
    ids=["tampered", "truncated"],
)
def test_a_bad_code_is_refused_offline_with_its_code(api, me, tmp_path, spoil, problem):
    code = _code(api, me)
    keys = _keys_file(api, tmp_path)

    with pytest.raises(CommandError, match=rf"^{problem}: "):
        verify(spoil(code), keys)


def test_an_expired_code_is_refused_offline(api, me, tmp_path):
    code = _code(api, me)
    keys = _keys_file(api, tmp_path)

    with (
        frozen_at(T0 + dt.timedelta(minutes=2)),
        pytest.raises(CommandError, match=r"^code_expired"),
    ):
        verify(code, keys)


def test_a_code_of_a_key_the_till_does_not_have_is_refused(api, me, tmp_path):
    old_keys = tmp_path / "old.json"
    old_keys.write_text(json.dumps({"keys": []}))
    code = _code(api, me)

    with pytest.raises(CommandError, match=r"^code_unknown_key"):
        verify(code, str(old_keys))


def test_after_a_rotation_the_new_key_signs_and_the_old_one_still_verifies(api, me, tmp_path):
    code = _code(api, me)
    out = StringIO()

    call_command("ecard", "rotate-key", stdout=out)

    new_kid = out.getvalue().split("key ")[1].rstrip(".\n")
    newer = str(api.post("/me/ecard/codes", None, token=me).json()["code"])
    assert parse_code(newer)[0].kid == new_kid != parse_code(code)[0].kid
    keys = _keys_file(api, tmp_path)
    assert verify(code, keys).startswith("valid:")
    assert verify(newer, keys).startswith("valid:")


def test_a_keys_file_that_is_not_json_is_refused(api, me, tmp_path):
    code = _code(api, me)
    bad = tmp_path / "bad.json"
    bad.write_text("not json")

    with pytest.raises(CommandError, match="The keys could not be read"):
        verify(code, str(bad))


@pytest.mark.django_db(transaction=True)
def test_the_keys_are_fetched_from_the_service_when_no_file_is_given(api, me, live_server):
    code = _code(api, me)
    out = StringIO()

    call_command(
        "ecard", "verify", code, "--url", f"{live_server.url}/api/v1/ecard/keys", stdout=out
    )

    assert out.getvalue().startswith("valid: card ")

"""`sscard ecard rotate-key|verify`: rotate the electronic card's signing key; verify a code
offline, as a pharmacy's till does, with the public keys from a JWKS file or fetched."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.ecard.codes import keys_from_jwks, verify_signed
from sscard.ecard.keys import code_seconds, rotate_key

DEFAULT_KEYS_URL = "http://127.0.0.1:8000/api/v1/ecard/keys"


class Command(BaseCommand):
    help = "Rotate the electronic card's signing key, or verify a code offline."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("rotate-key", help="sign with a new key; the old one still verifies")
        verify = sub.add_parser("verify", help="verify a code with the public keys alone")
        verify.add_argument("code")
        verify.add_argument("--keys", default=None, help="a JWKS file (GET /api/v1/ecard/keys)")
        verify.add_argument("--url", default=DEFAULT_KEYS_URL, help="where to fetch the keys")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "rotate-key":
            key = rotate_key(actor=Actor.operator())
            self.stdout.write(f"Codes are now signed with key {key.kid}.")
            return
        document = self._keys(options["keys"], options["url"])
        try:
            claims = verify_signed(
                options["code"],
                keys_from_jwks(document),
                now=clock.now(),
                max_lifetime=code_seconds(),
            )
        except DomainError as exc:
            raise CommandError(f"{exc.code}: {exc.detail}") from exc
        self.stdout.write(
            f"valid: card {claims.card_number}, {claims.purpose_name}, "
            f"key {claims.kid}, expires {claims.expires_at.isoformat()}"
        )

    def _keys(self, path: str | None, url: str) -> Any:
        try:
            if path:
                with open(path, encoding="utf-8") as file:
                    return json.load(file)
            with urllib.request.urlopen(url, timeout=10) as answer:
                return json.load(answer)
        except (OSError, ValueError) as exc:
            raise CommandError(f"The keys could not be read: {exc}") from exc

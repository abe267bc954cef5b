"""`sscard token create|revoke`: API clients for partner systems and staff integrations."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.partners.services import create_api_client, revoke_api_client


class Command(BaseCommand):
    help = "Create or revoke an API client's bearer token."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="create a client; its token is the last line")
        create.add_argument("--name", required=True)
        create.add_argument("--scopes", required=True, help="comma-separated, e.g. cards:verify")
        create.add_argument("--outlet", default=None, help="bind to one outlet (code)")
        create.add_argument("--bank", default=None, help="bind to one bank (code)")
        revoke = sub.add_parser("revoke", help="revoke a client's token at once")
        revoke.add_argument("name")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                issued = create_api_client(
                    actor=Actor.operator(),
                    name=options["name"],
                    scopes=options["scopes"],
                    outlet_code=options["outlet"],
                    bank_code=options["bank"],
                )
                client = issued.client
                self.stderr.write(
                    f"Created API client {client.name}: scopes {', '.join(client.scopes)}"
                    + (f", outlet {client.outlet.code}" if client.outlet else "")
                    + (f", bank {client.bank.code}" if client.bank else "")
                    + ". The token is shown once; only its hash is kept."
                )
                self.stdout.write(issued.token)
            else:
                client = revoke_api_client(actor=Actor.operator(), name=options["name"])
                self.stdout.write(f"Revoked API client {client.name}.")
        except DomainError as exc:
            raise CommandError(exc.detail) from exc

"""`sscard kiosk enrol`: the enrolment address of a self-service terminal."""

from __future__ import annotations

import secrets
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.urls import reverse

from sscard.common.context import Actor
from sscard.common.errors import DomainError
from sscard.kiosk.terminal import ENROL_SECONDS, check_terminal_client, enrolment_code
from sscard.outlets.models import Outlet, OutletType
from sscard.partners.models import ApiClient, Scope
from sscard.partners.services import create_api_client


def enrolment_url(base_url: str, client: ApiClient) -> str:
    return base_url.rstrip("/") + reverse("kiosk:enrol", args=[enrolment_code(client)])


def new_terminal_client(outlet_code: str) -> ApiClient:
    """A device credential for a terminal outlet: an API client bound to it, allowed only to
    read outlets through the API (the terminal's pages need no scope)."""
    outlet = Outlet.objects.filter(code=outlet_code.strip().upper()).first()
    if outlet is None or outlet.type != OutletType.SELF_SERVICE_TERMINAL:
        raise CommandError(f"{outlet_code} is not a self-service terminal outlet.")
    return create_api_client(
        actor=Actor.operator(),
        name=f"terminal-{outlet.code}-{secrets.token_hex(3)}",
        scopes=[Scope.OUTLETS_READ],
        outlet_code=outlet.code,
    ).client


class Command(BaseCommand):
    help = "Enrol a self-service terminal: print its one-time enrolment address."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        enrol = sub.add_parser("enrol", help="print the enrolment address of a terminal")
        which = enrol.add_mutually_exclusive_group(required=True)
        which.add_argument("--outlet", help="a new credential for this terminal outlet (code)")
        which.add_argument("--client", help="an existing API client bound to a terminal outlet")
        enrol.add_argument("--base-url", default="http://127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["outlet"]:
                client = new_terminal_client(options["outlet"])
            else:
                found = ApiClient.objects.filter(name=options["client"]).first()
                if found is None:
                    raise CommandError(f"No API client {options['client']}.")
                client = check_terminal_client(found).client
        except DomainError as exc:
            raise CommandError(exc.detail) from exc
        hours = ENROL_SECONDS // 3600
        self.stderr.write(
            f"Terminal {client.name} at outlet {client.outlet.code if client.outlet else ''}: "
            f"open this address once on the terminal within {hours} hours. It works once; "
            f"`sscard token revoke {client.name}` takes the terminal out of service."
        )
        self.stdout.write(enrolment_url(options["base_url"], client))

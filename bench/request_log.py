"""What do the request id and the access line cost a request, in process?

Runs `GET /api/v1/cards/{n}/status` (a `cards:verify` token, one card) through Django's test
client against a fresh SQLite database in a temporary folder, 1000 requests per round after a
warm-up, and reports the CPU time of this process per request (time.process_time: the machine
is shared), best of 3 rounds (the variants measured in turn in each round), for each variant:

- without: `sscard.common.requestlog.RequestIdMiddleware` taken out of MIDDLEWARE;
- id only: the middleware with SSCARD_ACCESS_LOG=0 (the request id, no access line);
- json, plain: the middleware and its access line, formatted as in production (JSON) or in
  development (plain), written to /dev/null.

Then the middleware alone, around a view that answers at once (timeit): the same costs
without the noise of the rest of the request.

    .venv/bin/python bench/request_log.py [--requests 1000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MIDDLEWARE = "sscard.common.requestlog.RequestIdMiddleware"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="sscard-bench-log-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        SSCARD_VAR_DIR=folder,
        DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3",
    )
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()

    import logging
    import logging.config

    from django.conf import settings
    from django.core.management import call_command
    from django.http import HttpResponse
    from django.test import Client, RequestFactory, override_settings
    from django.urls import resolve

    from sscard.common.context import Actor
    from sscard.common.logs import logging_config
    from sscard.common.requestlog import RequestIdMiddleware
    from sscard.partners.services import create_api_client
    from tests.factories import make_card

    call_command("migrate", verbosity=0)
    card = make_card()
    token = create_api_client(
        actor=Actor.system(), name="bench-pos", scopes="cards:verify", outlet_code=None
    ).token
    url = f"/api/v1/cards/{card.number}/status"
    headers = {"Authorization": f"Bearer {token}"}
    sink = open(os.devnull, "w")  # noqa: SIM115 - kept open for the whole run

    def configure(log_format: str) -> None:
        logging.config.dictConfig(logging_config(log_format=log_format, level="INFO"))
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(sink)

    def client_for(*, middleware: bool, access: bool) -> Client:
        """A client whose handler loaded this middleware stack (at its first request)."""
        stack = [m for m in settings.MIDDLEWARE if middleware or m != MIDDLEWARE]
        with override_settings(MIDDLEWARE=stack, ACCESS_LOG=access):
            client = Client(HTTP_HOST="localhost")
            for _ in range(200):
                answer = client.get(url, headers=headers)
                assert answer.status_code == 200, answer.content
        return client

    setups = {
        "without": (client_for(middleware=False, access=False), "json"),
        "id only": (client_for(middleware=True, access=False), "json"),
        "json": (client_for(middleware=True, access=True), "json"),
        "plain": (client_for(middleware=True, access=True), "plain"),
    }
    best = dict.fromkeys(setups, float("inf"))
    for _ in range(args.rounds):  # the variants in turn, so that the machine's load hits all
        for name, (client, log_format) in setups.items():
            configure(log_format)
            gc.collect()
            gc.disable()
            started = time.process_time()
            for _ in range(args.requests):
                client.get(url, headers=headers)
            best[name] = min(best[name], time.process_time() - started)
            gc.enable()
    variants = {name: seconds / args.requests * 1e6 for name, seconds in best.items()}
    # The middleware alone around a view that answers at once: the same figures without the
    # rest of the request's noise (timeit, best of 7 repeats).
    factory_request = RequestFactory().get(url, headers=headers)
    factory_request.resolver_match = resolve(url)
    answer = HttpResponse(b"{}", content_type="application/json")

    def alone(access: bool, log_format: str) -> float:
        configure(log_format)
        with override_settings(ACCESS_LOG=access):
            middleware = RequestIdMiddleware(lambda request: answer)
        runs = timeit.repeat(lambda: middleware(factory_request), number=5000, repeat=7)
        return min(runs) / 5000 * 1e6

    alone_costs = {
        "id only": alone(False, "json"),
        "json": alone(True, "json"),
        "plain": alone(True, "plain"),
    }

    base = variants["without"]
    print(f"{args.requests} requests of {url.replace(card.number, '{n}')}, best of {args.rounds}")
    for name, micros in variants.items():
        extra = (
            "" if name == "without" else f"  (+{micros - base:.0f} µs, {micros / base - 1:+.1%})"
        )
        print(f"  {name:8} {micros:7.0f} µs CPU per request{extra}")
    print("the middleware alone around a view that answers at once (timeit, best of 7)")
    for name, micros in alone_costs.items():
        print(f"  {name:8} {micros:7.1f} µs per request")


if __name__ == "__main__":
    main()

"""What /metrics costs: the CPU time of one scrape (the business figures read from the
database, and the whole text), and the CPU time the request-metrics middleware adds to each
request, in process.

It runs against the database of DATABASE_URL (by default var/sscard.sqlite3, which `sscard demo`
fills): migrate and load the demo first.

    .venv/bin/sscard migrate && .venv/bin/sscard demo
    .venv/bin/python bench/metrics.py [--requests 1000] [--rounds 3]

Scrape: --rounds × 20 scrapes after a warm-up, the best round's mean CPU time per scrape.
Middleware: --requests status lookups (`GET /api/v1/cards/{n}/status` of one demo card, with a
`cards:verify` token made for the run and revoked after) through django.test.Client, with and
without `RequestMetricsMiddleware` in MIDDLEWARE, each the best of --rounds, CPU time
(time.process_time), the orders alternated. The difference per request is the middleware's cost;
on a shared machine it drowns in the noise of a whole request, so the middleware is also timed
alone, around a view that answers at once. Set PROMETHEUS_MULTIPROC_DIR to an empty directory to
measure gunicorn's multiprocess mode (values in memory-mapped files).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
MIDDLEWARE = "sscard.metrics.middleware.RequestMetricsMiddleware"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings

    from sscard.cards.models import Card, CardStatus
    from sscard.common.context import Actor
    from sscard.metrics.views import scrape
    from sscard.partners.services import create_api_client, revoke_api_client

    settings.ALLOWED_HOSTS = ["*"]
    settings.RATELIMIT_ENABLE = False
    scrape()
    best = min(_timed(scrape, 20) for _ in range(args.rounds))
    size = len(scrape())
    print(f"scrape: {size} bytes, {best * 1000:.2f} ms CPU per scrape (best of {args.rounds})")

    number = Card.objects.filter(status=CardStatus.NORMAL).values_list("number", flat=True)[0]
    name = f"bench-metrics-{os.getpid()}"
    token = create_api_client(
        actor=Actor.operator(), name=name, scopes="cards:verify", outlet_code=None, bank_code=None
    ).token
    try:
        without = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
        results: dict[str, list[float]] = {"with": [], "without": []}
        for round_ in range(args.rounds):
            order = ("with", "without") if round_ % 2 == 0 else ("without", "with")
            for which in order:
                stack = list(settings.MIDDLEWARE) if which == "with" else without
                with override_settings(MIDDLEWARE=stack):
                    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
                    path = f"/api/v1/cards/{number}/status"
                    assert client.get(path).status_code == 200
                    results[which].append(_timed(partial(client.get, path), args.requests))
    finally:
        revoke_api_client(actor=Actor.operator(), name=name)
    alone = min(_timed(_middleware_alone(), 10_000) for _ in range(args.rounds))
    print(f"the middleware alone around an empty view: {alone * 1e6:.1f} µs CPU per request")
    with_, without_ = min(results["with"]), min(results["without"])
    print(
        f"status lookups through the test client, CPU per request (best of {args.rounds}): "
        f"with {with_ * 1e6:.0f} µs, without {without_ * 1e6:.0f} µs, "
        f"middleware {(with_ - without_) * 1e6:.0f} µs ({(with_ / without_ - 1) * 100:.1f} %)"
    )


def _middleware_alone() -> object:
    """One request through the middleware around a view that answers at once (no query): what
    the middleware itself adds, without the noise of the rest of the stack."""
    from django.http import HttpRequest, HttpResponse
    from django.urls import resolve

    from sscard.metrics.middleware import RequestMetricsMiddleware

    request = HttpRequest()
    request.method = "GET"
    request.resolver_match = resolve("/api/v1/cards/A00000118/status")
    answer = HttpResponse()
    middleware = RequestMetricsMiddleware(lambda _request: answer)
    return lambda: middleware(request)


def _timed(call: object, times: int) -> float:
    """Mean CPU seconds of one call."""
    assert callable(call)
    started = time.process_time()
    for _ in range(times):
        call()
    return (time.process_time() - started) / times


if __name__ == "__main__":
    main()

"""How fast are the electronic card's codes: signing and offline verification per second on one
core, and `POST /api/v1/ecard/verify` next to `GET /api/v1/cards/{n}/status`, in process?

    .venv/bin/python bench/ecard.py                       # SQLite, 10,000 people
    .venv/bin/python bench/ecard.py --db postgres --people 1000000

The process is pinned to one CPU. Signing and offline verification (`sscard.ecard.codes`, the
till's path: Ed25519 and the code's times, no database) are timed for --seconds each. Then, on
bench/card_status.py's database (loaded when missing), --ecards people with a card in hand get an
electronic card, and Django's test client calls both endpoints through the whole API stack
(middleware, token, view, database) --requests times each, alternating in rounds of 100 with
random card numbers' status: first identifying codes of cards already used this minute (each
card is used once beforehand, so no write), then each card's first use of its minute (which
writes the last use). Besides the wall time, each request's CPU time is kept: this process's
(`time.process_time`) and, on a PostgreSQL server on this machine, its backend's (from
/proc/<pid>/schedstat), since on a shared machine wall time mostly measures the neighbours.
Results go to bench/results/ as JSON (git-ignored) and a Markdown table to stdout.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from card_status import cpu_model, label, prepare_database, save


def _rate(seconds: float, step: Any) -> tuple[float, int]:
    """Calls of `step` per second over about `seconds`."""
    count = 0
    began = time.perf_counter()
    deadline = began + seconds
    while time.perf_counter() < deadline:
        for _ in range(100):
            step()
        count += 100
    return count / (time.perf_counter() - began), count


def offline(seconds: float) -> dict[str, Any]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from sscard.ecard.codes import b64url, public_key_of, sign_code, verify_signed

    key = Ed25519PrivateKey.generate()
    now = dt.datetime.now(tz=dt.UTC)

    def sign() -> str:
        return sign_code(
            private_key=key,
            kid="benchkey",
            serial="0123456789ab",
            card_number="A12345678",
            issued_at=now,
            lifetime_seconds=60,
            purpose="i",
        )[0]

    code = sign()
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    keys = {"benchkey": public_key_of(b64url(raw))}  # as a till holds them, from the JWKS
    signing, _ = _rate(seconds, sign)
    verifying, _ = _rate(seconds, lambda: verify_signed(code, keys, now=now, max_lifetime=60))
    return {
        "code_length": len(code),
        "sign_per_s": round(signing),
        "offline_verify_per_s": round(verifying),
    }


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def _backend_cpu() -> Any:
    """A function giving the CPU seconds used so far by the database server's process serving
    this connection, when it runs on this machine (PostgreSQL); else one giving 0."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return lambda: 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    stat = Path(f"/proc/{pid}/schedstat")
    try:
        stat.read_text()
    except OSError:
        return lambda: 0.0
    return lambda: int(stat.read_text().split()[0]) / 1e9


def in_process(ecards: int, requests: int) -> dict[str, Any]:
    from django.test import Client

    from sscard.cards.models import Card, CardStatus
    from sscard.common.context import Actor
    from sscard.ecard.models import ElectronicCard
    from sscard.ecard.services import issue_ecard, make_code
    from sscard.partners.services import create_api_client, revoke_api_client

    in_force = ElectronicCard.objects.filter(revoked_at__isnull=True)
    missing = max(0, ecards - in_force.count())
    cards = list(
        Card.objects.filter(status=CardStatus.NORMAL)
        .exclude(person_id__in=in_force.values("person_id"))
        .select_related("person")[:missing]
    )
    for card in cards:
        issue_ecard(actor=Actor.operator(), holder=card.person)
    used = list(in_force.select_related("person")[:ecards])
    holders = [e.person for e in used]
    name = f"bench-ecard-{os.getpid()}"
    token = create_api_client(actor=Actor.operator(), name=name, scopes="cards:verify").token
    headers = {"Authorization": f"Bearer {token}"}
    client = Client(HTTP_HOST="127.0.0.1")
    rng = random.Random(20_261_207)
    numbers = list(Card.objects.values_list("number", flat=True)[:100_000])

    client.get("/healthz")  # connects
    server_cpu = _backend_cpu()
    cpu: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0.0])

    def timed(kind: str, call: Any) -> float:
        server = server_cpu()
        own = time.process_time()
        began = time.perf_counter()
        answer = call()
        took = time.perf_counter() - began
        cpu[kind][0] += time.process_time() - own
        cpu[kind][1] += server_cpu() - server
        assert answer.status_code == 200, answer.content
        return took

    def verify(code: str, kind: str = "verify") -> float:
        return timed(
            kind,
            lambda: client.post(
                "/api/v1/ecard/verify",
                json.dumps({"code": code}),
                content_type="application/json",
                headers=headers,
            ),
        )

    def status(number: str, kind: str = "status") -> float:
        return timed(kind, lambda: client.get(f"/api/v1/cards/{number}/status", headers=headers))

    def codes_of(people: list[Any]) -> list[str]:
        return [make_code(actor=Actor.operator(), holder=p).code for p in people]

    try:
        sample = rng.choices(numbers, k=requests)
        for i in range(10):  # warm-up
            status(sample[i])
        # Each electronic card used once: its last use is now fresh, so the codes shown again
        # within the minute are verified without a write (the common case at a counter that
        # scans a code twice, and for every repeated identification).
        for code in codes_of(holders):
            verify(code, "warm-up")
        cpu.clear()
        again = codes_of([rng.choice(holders) for _ in range(requests)])
        timings: dict[str, list[float]] = {"verify": [], "status": [], "verify_first": []}
        for start in range(0, requests, 100):
            timings["verify"] += [verify(code) for code in again[start : start + 100]]
            timings["status"] += [
                status(n, "status_beside_verify") for n in sample[start : start + 100]
            ]
        # The first use of each card in its minute also writes its last use.
        ElectronicCard.objects.filter(pk__in=[e.pk for e in used]).update(last_used_at=None)
        first = codes_of(holders[:requests])
        for start in range(0, len(first), 100):
            timings["verify_first"] += [
                verify(code, "verify_first") for code in first[start : start + 100]
            ]
            timings["status"] += [
                status(n, "status_beside_verify_first") for n in sample[start : start + 100]
            ]
    finally:
        revoke_api_client(actor=Actor.operator(), name=name)
    out: dict[str, Any] = {"ecards": len(holders), "requests": requests}
    for key, values in timings.items():
        out[f"{key}_per_s"] = round(len(values) / sum(values))
        out[f"{key}_p50_ms"] = round(_percentile(values, 0.5) * 1000, 2)
        out[f"{key}_p99_ms"] = round(_percentile(values, 0.99) * 1000, 2)
    cpu["status"] = [
        a + b
        for a, b in zip(cpu["status_beside_verify"], cpu["status_beside_verify_first"], strict=True)
    ]
    for key in ("verify", "verify_first", "status"):
        own, server = cpu[key]
        count = len(timings[key])
        out[f"{key}_cpu_us"] = round((own + server) / count * 1e6)
        out[f"{key}_server_cpu_us"] = round(server / count * 1e6)
    out["verify_vs_status"] = round(out["verify_per_s"] / out["status_per_s"], 2)
    out["verify_first_vs_status"] = round(out["verify_first_per_s"] / out["status_per_s"], 2)
    # Throughput on CPU alone, what the ratio would be on an otherwise idle machine: each kind
    # of verification against the status lookups of its own rounds (the load of a shared
    # machine changes between the two parts); as many of each in those rounds.
    for key in ("verify", "verify_first"):
        out[f"{key}_vs_status_cpu"] = round(sum(cpu[f"status_beside_{key}"]) / sum(cpu[key]), 2)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--ecards", type=int, default=2_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reload", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})
    prepare_database(args.db, args.people, reload=args.reload, pg=args.pg)
    import django

    result = {
        "benchmark": "ecard",
        "db": args.db,
        "people": args.people,
        **offline(args.seconds),
        **in_process(args.ecards, args.requests),
        "python": ".".join(map(str, sys.version_info[:3])),
        "django": django.get_version(),
        "cpu": cpu_model(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "at": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
    }
    save([result], f"ecard-{args.db}-{label(args.people)}")
    print(json.dumps(result, indent=2), file=sys.stderr)
    print("| what | per second | p50 | p99 | CPU per request (of it the server) |")
    print("|---|---:|---:|---:|---:|")
    print(f"| sign a code (Ed25519), one core | {result['sign_per_s']:,} | | | |")
    print(f"| verify a code offline, one core | {result['offline_verify_per_s']:,} | | | |")
    for key, words in (
        ("verify", "POST /api/v1/ecard/verify, card used this minute"),
        ("verify_first", "POST /api/v1/ecard/verify, first use (writes the last use)"),
        ("status", "GET /api/v1/cards/{n}/status"),
    ):
        print(
            f"| {words} (in process, {args.db}) | {result[key + '_per_s']:,} "
            f"| {result[key + '_p50_ms']} ms | {result[key + '_p99_ms']} ms "
            f"| {result[key + '_cpu_us']} µs ({result[key + '_server_cpu_us']} µs) |"
        )
    print(
        f"\nverify / status: {result['verify_vs_status']:.0%} "
        f"(first use {result['verify_first_vs_status']:.0%}) by throughput; "
        f"{result['verify_vs_status_cpu']:.0%} "
        f"(first use {result['verify_first_vs_status_cpu']:.0%}) by CPU per request"
    )


if __name__ == "__main__":
    main()

"""How fast is the status lookup (`sscard.cards.selectors.card_status`), in process?

The hot path of API.md: every point of use asks it before accepting a card. This loads N
people with their cards (the `demo` command's bulk path, no stories) into a database kept for
benchmarks, then times random lookups of existing card numbers after a warm-up, one at a time,
and reports lookups per second and the latency per lookup (mean, p50, p99, max).

    .venv/bin/python bench/card_status.py --cards 10000 --db sqlite
    .venv/bin/python bench/card_status.py --cards 1000000 --db postgres
    .venv/bin/python bench/card_status.py --all        # both sizes on both databases
    .venv/bin/python bench/card_status.py --cards 20000000 --db postgres \
        --pg postgres://postgres@127.0.0.1:55432  # the benchmarks' cluster (bench/pg_cluster.py)

Databases: SQLite files under var/bench/, PostgreSQL databases `sscard_bench_<size>` on
--pg (created when missing). A database already holding the right number of people is reused;
--reload loads it again. Results go to bench/results/ as JSON (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
SIZES = (10_000, 1_000_000)  # --all; --cards 20000000 for a large province
ROUNDS = 5
STATUS_COLUMNS = (
    "status",
    "bank_status",
    "expires_on",
    "lost_until",
    "lapse_action",
    "lapse_unfreezes_bank",
    "status_before_loss",
)
DATABASES = ("postgres", "sqlite")


def label(cards: int) -> str:
    return f"{cards // 1_000_000}m" if cards % 1_000_000 == 0 else f"{cards // 1000}k"


def _database_url(db: str, cards: int, pg: str, name: str = "") -> str:
    """The bench database for N people: `name` (default `cards`, PostgreSQL `sscard_bench`)
    tells apart a database a benchmark writes to from the read-only ones."""
    if db == "sqlite":
        folder = ROOT / "var" / "bench"
        folder.mkdir(parents=True, exist_ok=True)
        file = f"{name or 'cards'}-{label(cards)}.sqlite3"
        return f"sqlite:///{folder / file}"
    return f"{pg.rstrip('/')}/{name or 'sscard_bench'}_{label(cards)}"


def _create_pg_database(url: str) -> None:
    import psycopg

    base, name = url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not found:
            conn.execute(f'CREATE DATABASE "{name}"')


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def prepare_database(
    db: str, cards: int, *, reload: bool, pg: str, name: str = "", load: bool = True
) -> tuple[str, float | None]:
    """Set Django up in this process on the bench database for N people, loading it if needed.

    Returns the database URL and the seconds the load took (None when the data was reused).
    Django is set up once per process, for one database. Also used by bench/http_status.py and
    bench/loss_reports.py (which writes, to a database of its own: `name`).
    """
    url = _database_url(db, cards, pg, name)
    if db == "postgres":
        _create_pg_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from sscard.cards.models import Card
    from sscard.demo.bulk import analyze, load_people_and_cards, wipe
    from sscard.demo.reference import load_reference_data
    from sscard.people.models import Person

    call_command("migrate", verbosity=0)
    load_seconds = None
    if not load:
        if not Card.objects.exists():
            raise SystemExit(f"{url} holds no cards (--no-load)")
        analyze()
    elif reload or Person.objects.count() != cards or not Card.objects.exists():
        print(f"loading {cards} people with their cards into {db} ...", file=sys.stderr)
        started = time.perf_counter()
        wipe()
        load_reference_data()
        load_people_and_cards(people=cards, progress=True)
        load_seconds = round(time.perf_counter() - started, 1)
    else:
        analyze()
    return url, load_seconds


def sample_numbers(rng: random.Random, *counts: int) -> tuple[Any, ...]:
    """Random existing card numbers, `counts` lists of them, and how many cards there are.

    Drawn by id (the bench databases number their cards from 1 without gaps), so that 20M
    numbers need not be read into memory."""
    from django.db.models import Count, Max, Min

    from sscard.cards.models import Card

    span = Card.objects.aggregate(low=Min("pk"), high=Max("pk"), n=Count("pk"))
    ids = [[rng.randint(span["low"], span["high"]) for _ in range(k)] for k in counts]
    wanted = sorted({i for chosen in ids for i in chosen})
    number_of: dict[int, str] = {}
    for start in range(0, len(wanted), 5_000):
        rows = Card.objects.filter(pk__in=wanted[start : start + 5_000])
        number_of.update(rows.values_list("pk", "number"))
    found = [[number_of[i] for i in chosen if i in number_of] for chosen in ids]
    return (*found, span["n"])


def run_one(
    db: str, cards: int, *, lookups: int, warmup: int, reload: bool, pg: str, load: bool = True
) -> dict:
    _url, load_seconds = prepare_database(db, cards, reload=reload, pg=pg, load=load)
    import django
    from django.db import connection

    from sscard.cards.models import Card
    from sscard.cards.selectors import card_status

    rng = random.Random(20_120_101)
    warm, sample, n_cards = sample_numbers(rng, warmup, lookups)
    for number in warm:
        card_status(number)
    # Long-lived objects out of the collector's way, as a server would after start-up.
    gc.collect()
    gc.freeze()
    timings: list[int] = []
    rounds: list[tuple[float, float]] = []  # (lookups per second, p50 µs) of each round
    clock = time.perf_counter_ns
    size = max(1, lookups // ROUNDS)
    elapsed = 0.0
    for start in range(0, lookups, size):
        chunk: list[int] = []
        began = clock()
        for number in sample[start : start + size]:
            before = clock()
            card_status(number)
            chunk.append(clock() - before)
        took = (clock() - began) / 1e9
        elapsed += took
        timings += chunk
        chunk.sort()
        rounds.append((len(chunk) / took, chunk[len(chunk) // 2] / 1000))
    timings.sort()
    # The floor: the same row read with hand-written SQL, without the ORM building the query.
    quote = connection.ops.quote_name
    sql = (
        f"SELECT {', '.join(map(quote, STATUS_COLUMNS))} FROM {quote(Card._meta.db_table)} "
        f"WHERE {quote('number')} = %s"
    )
    floor = []
    with connection.cursor() as cursor:
        for number in sample[: lookups // 4]:
            before = clock()
            cursor.execute(sql, [number])
            cursor.fetchone()
            floor.append(clock() - before)
    floor.sort()

    def micro(ns: float) -> float:
        return round(ns / 1000, 1)

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    return {
        "benchmark": "card_status",
        "db": db,
        "db_version": version,
        "cards": n_cards,
        "people": cards,
        "lookups": lookups,
        "warmup": warmup,
        "lookups_per_s": round(lookups / elapsed),
        "mean_us": micro(statistics.fmean(timings)),
        "p50_us": micro(timings[len(timings) // 2]),
        "p99_us": micro(timings[int(len(timings) * 0.99) - 1]),
        "max_us": micro(timings[-1]),
        "sql_only_p50_us": micro(floor[len(floor) // 2]),
        # Rounds of lookups_per_s: the best shows the machine without its other load.
        "rounds": ROUNDS,
        "best_round_lookups_per_s": round(max(r[0] for r in rounds)),
        "best_round_p50_us": round(min(r[1] for r in rounds), 1),
        "load_seconds": load_seconds,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def table(results: list[dict]) -> str:
    head = (
        f"{'db':<9} {'cards':>9} {'lookups/s':>10} {'mean µs':>8} {'p50 µs':>7} {'p99 µs':>7} "
        f"{'best round/s':>12} {'SQL-only p50 µs':>15}"
    )
    lines = [head, "-" * len(head)]
    for r in results:
        lines.append(
            f"{r['db']:<9} {r['cards']:>9} {r['lookups_per_s']:>10} {r['mean_us']:>8} "
            f"{r['p50_us']:>7} {r['p99_us']:>7} {r['best_round_lookups_per_s']:>12} "
            f"{r['sql_only_p50_us']:>15}"
        )
    return "\n".join(lines)


def save(results: list[dict], name: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cards", type=int, default=10_000, help="people (about one card each)")
    parser.add_argument("--db", choices=DATABASES, default="sqlite")
    parser.add_argument("--all", action="store_true", help="10k and 1M on both databases")
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--reload", action="store_true", help="load the data again")
    parser.add_argument(
        "--no-load",
        action="store_true",
        help="use the database as it is, however many cards it holds (a load under way)",
    )
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    common = ["--lookups", str(args.lookups), "--warmup", str(args.warmup), "--pg", args.pg]
    if args.all:
        # One process per run: Django is set up once per process, for one database.
        results: list[dict[str, Any]] = []
        for db in DATABASES:
            for cards in SIZES:
                command = [sys.executable, __file__, "--cards", str(cards), "--db", db, "--json"]
                command += common + (["--reload"] if args.reload else [])
                done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
                results.append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(table(results[-1:]).splitlines()[-1], file=sys.stderr)
        print(table(results))
        print(f"written to {save(results, 'card_status').relative_to(ROOT)}")
        return
    result = run_one(
        args.db,
        args.cards,
        lookups=args.lookups,
        warmup=args.warmup,
        reload=args.reload,
        pg=args.pg,
        load=not args.no_load,
    )
    if args.json:
        print(json.dumps(result))
        return
    print(table([result]))
    path = save([result], f"card_status-{args.db}-{label(args.cards)}")
    print(f"written to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

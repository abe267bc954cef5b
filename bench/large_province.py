"""The status lookup of a large province: 1M and 20M people on one PostgreSQL, in the same run.

    .venv/bin/python bench/pg_cluster.py init     # the benchmarks' own cluster, port 55432
    .venv/bin/python bench/card_status.py --cards 1000000 --db postgres \\
        --pg postgres://postgres@127.0.0.1:55432 # loads sscard_bench_1m
    createdb -h 127.0.0.1 -p 55432 -U postgres sscard_bench_20m
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/sscard_bench_20m sscard migrate
    DATABASE_URL=postgres://postgres@127.0.0.1:55432/sscard_bench_20m \\
        sscard demo --people 20000000             # 20M people with their cards, and the stories
    .venv/bin/python bench/large_province.py --rounds 2 --prewarm

For each database (`sscard_bench_<size>`): the sizes of the people, guardianship and card tables
and of each card index, the depth of the card number's index, the shared buffers one lookup
hits and reads (EXPLAIN (ANALYZE, BUFFERS) of 200 lookups of random cards not otherwise
timed), then bench/card_status.py's timed lookups (warm-up, then random existing numbers, one
at a time), in rounds that alternate the sizes so that both see the same machine. --prewarm
first reads the card table and its number index into shared buffers (pg_prewarm), as the
cluster's autoprewarm does after a restart. Nothing is loaded here: the databases must exist.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from card_status import STATUS_COLUMNS, cpu_model, label, save
from pg_cluster import show

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("people_person", "people_guardianship", "cards_card")
NUMBER_INDEX = "card_number_unique"  # (number, bucket): the status lookup's index


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


def sizes(conn: psycopg.Connection[Any]) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for table in TABLES:
        row = conn.execute(
            "SELECT pg_relation_size(%s), pg_indexes_size(%s), pg_total_relation_size(%s), "
            "(SELECT reltuples FROM pg_class WHERE oid = %s::regclass)",
            [table] * 4,
        ).fetchone()
        assert row is not None
        found[table] = {
            "rows_estimate": int(row[3]),
            "heap_mb": _mb(row[0]),
            "indexes_mb": _mb(row[1]),
            "total_mb": _mb(row[2]),
        }
    indexes = conn.execute(
        "SELECT indexrelid::regclass::text, pg_relation_size(indexrelid) FROM pg_index "
        "WHERE indrelid = 'cards_card'::regclass ORDER BY 2 DESC"
    ).fetchall()
    found["cards_card"]["index_mb"] = {name: _mb(size) for name, size in indexes}
    conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
    level = conn.execute("SELECT level FROM bt_metap(%s)", [NUMBER_INDEX]).fetchone()
    assert level is not None
    found["number_index_levels"] = level[0] + 1  # root to leaf; the heap page comes after
    found["database_mb"] = _mb(
        conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]  # type: ignore[index]
    )
    return found


def prewarm(conn: psycopg.Connection[Any]) -> dict[str, float]:
    conn.execute("CREATE EXTENSION IF NOT EXISTS pg_prewarm")
    took = {}
    for relation in ("cards_card", NUMBER_INDEX):
        started = time.perf_counter()
        conn.execute("SELECT pg_prewarm(%s)", [relation])
        took[relation] = round(time.perf_counter() - started, 1)
    return took


def buffers(conn: psycopg.Connection[Any], lookups: int = 200) -> dict[str, float]:
    """Shared buffers hit and read per lookup, from EXPLAIN (ANALYZE, BUFFERS)."""
    row = conn.execute("SELECT min(id), max(id) FROM cards_card").fetchone()
    assert row is not None
    rng = random.Random(7)
    numbers = [
        found[0]
        for found in (
            conn.execute(
                "SELECT number FROM cards_card WHERE id = %s", [rng.randint(row[0], row[1])]
            ).fetchone()
            for _ in range(lookups)
        )
        if found
    ]
    sql = f"SELECT {', '.join(STATUS_COLUMNS)} FROM cards_card WHERE number = %s"
    hit = read = 0
    for number in numbers:
        plan = conn.execute(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql.replace("%s", "%(n)s"),
            {"n": number},
        ).fetchone()
        assert plan is not None
        top = plan[0][0]["Plan"]
        hit += top.get("Shared Hit Blocks", 0)
        read += top.get("Shared Read Blocks", 0)
    return {
        "hit_per_lookup": round(hit / len(numbers), 2),
        "read_per_lookup": round(read / len(numbers), 2),
        "node": top["Node Type"],
    }


def lookups(pg: str, people: int, n: int, warmup: int) -> dict[str, Any]:
    command = [
        sys.executable,
        str(ROOT / "bench" / "card_status.py"),
        *("--cards", str(people), "--db", "postgres", "--pg", pg, "--no-load", "--json"),
        *("--lookups", str(n), "--warmup", str(warmup)),
    ]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 20_000_000])
    parser.add_argument("--port", type=int, default=55432)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--lookups", type=int, default=20_000)
    parser.add_argument("--warmup", type=int, default=2_000)
    parser.add_argument("--prewarm", action="store_true", help="pg_prewarm the cards first")
    args = parser.parse_args()
    pg = f"postgres://postgres@127.0.0.1:{args.port}"
    report: dict[str, Any] = {
        "benchmark": "large_province",
        "settings": show(args.port),
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "databases": {},
        "runs": [],
    }
    for people in args.sizes:
        with psycopg.connect(f"{pg}/sscard_bench_{label(people)}", autocommit=True) as conn:
            entry: dict[str, Any] = {"sizes": sizes(conn)}
            if args.prewarm:
                entry["prewarm_seconds"] = prewarm(conn)
            entry["buffers_before"] = buffers(conn)
            report["databases"][label(people)] = entry
        print(label(people), json.dumps(entry, ensure_ascii=False), file=sys.stderr)
    for round_ in range(args.rounds):
        for people in args.sizes:
            result = lookups(pg, people, args.lookups, args.warmup)
            result["round"] = round_ + 1
            report["runs"].append(result)
            print(
                f"round {round_ + 1} {label(people):>4} cards {result['cards']:>9} "
                f"p50 {result['p50_us']} µs p99 {result['p99_us']} µs "
                f"mean {result['mean_us']} µs SQL p50 {result['sql_only_p50_us']} µs "
                f"load {result['load_average']}",
                file=sys.stderr,
            )
    for people in args.sizes:
        with psycopg.connect(f"{pg}/sscard_bench_{label(people)}", autocommit=True) as conn:
            report["databases"][label(people)]["buffers_after"] = buffers(conn)
    report["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(report["databases"], indent=2, ensure_ascii=False))
    for people in args.sizes:
        runs = [r for r in report["runs"] if r["people"] == people]
        p50 = sorted(r["p50_us"] for r in runs)
        p99 = sorted(r["p99_us"] for r in runs)
        print(f"{label(people):>4}: p50 {p50} µs, p99 {p99} µs over {len(runs)} rounds")
    print(f"written to {save([report], 'large_province').relative_to(ROOT)}")


if __name__ == "__main__":
    main()

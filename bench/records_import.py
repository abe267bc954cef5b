"""How fast does `sscard records import` book a batch file, and does its memory stay flat?

Loads N people (plain rows, no cards) into a database kept for benchmarks, writes a CSV batch
file of N people × M months of one insurance (pension, Guangzhou employers, bases within the
limits), then times the import of that file (new records: COPY on PostgreSQL), and of the same
records again under another file name and hash (every record unchanged). Reports records per
second, the CPU time the process spent per record (both threads: less noisy than the wall time
on a shared machine) and the peak resident memory of the process.

    .venv/bin/python bench/records_import.py --people 10000 --months 10 --db postgres
    .venv/bin/python bench/records_import.py --people 10000 --months 10 --db sqlite

Databases: `sscard_bench_records` (or --database) on --pg (dropped and created again), or
var/bench/records.sqlite3 (removed first). Files under var/bench/. Results go to
bench/results/ as JSON (git-ignored).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCH = ROOT / "var" / "bench"


def _database_url(db: str, pg: str, name: str, *, keep: bool = False) -> str:
    if db == "sqlite":
        BENCH.mkdir(parents=True, exist_ok=True)
        path = BENCH / "records.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"
    import psycopg

    base = pg.rstrip("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        there = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if keep and there:
            return f"{base}/{name}"
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _people(n: int) -> list[str]:
    from sscard.common import clock
    from sscard.people.generate import make_citizen_id
    from sscard.people.models import Person

    numbers: set[str] = set()
    now = clock.now()
    batch: list[Person] = []
    for i in range(n):
        born = dt.date(1960, 1, 1) + dt.timedelta(days=i % 12000)
        number = make_citizen_id("440106", born, i % 997 + 1, male=bool(i % 2))
        if number in numbers:
            continue
        numbers.add(number)
        batch.append(
            Person(
                social_security_number=number,
                name="陈某",
                sex="M" if i % 2 else "F",
                birth_date=born,
                region_code="440106",
                created_at=now,
            )
        )
        if len(batch) == 5000:
            Person.objects.bulk_create(batch, ignore_conflicts=True)
            batch = []
    Person.objects.bulk_create(batch, ignore_conflicts=True)
    return list(Person.objects.values_list("social_security_number", flat=True))


def _kept_people(wanted: int) -> list[str] | None:
    """The people of an earlier run, when it loaded as many; their records emptied."""
    from django.db import connection

    from sscard.people.models import Person
    from sscard.records.models import (
        ContributionRecord,
        ContributionVersion,
        Employer,
        ImportRejection,
        RecordImport,
    )

    if Person.objects.count() < wanted * 0.99:
        return None
    tables = [
        m._meta.db_table
        for m in (ContributionVersion, ContributionRecord, ImportRejection, RecordImport, Employer)
    ]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")  # and the disputes on them
        cursor.execute("CHECKPOINT")
    return list(Person.objects.values_list("social_security_number", flat=True))


def _write_file(path: Path, numbers: list[str], months: int) -> int:
    from stdnum.cn import uscc

    from sscard.records.imports import CSV_COLUMNS

    codes = []
    for n in range(200):
        body = f"91440106MA{n:07d}"
        codes.append(body + uscc.calc_check_digit(body))
    count = 0
    with path.open("w", encoding="utf-8", newline="") as stream:
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(CSV_COLUMNS)
        for i, number in enumerate(numbers):
            code = codes[i % len(codes)]
            for m in range(months):
                year, month = 2015 + m // 12, m % 12 + 1
                base = 8000 + (i % 50) * 100
                writer.writerow(
                    [
                        number,
                        "pension",
                        f"{year}-{month:02d}",
                        f"广州测试{i % 200}有限公司",
                        code,
                        f"{base}.00",
                        f"{base * 0.16:.2f}",
                        f"{base * 0.08:.2f}",
                        "paid",
                        f"{year}-{month:02d}-15",
                    ]
                )
                count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=10_000)
    parser.add_argument("--months", type=int, default=10)
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="postgres")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument(
        "--database",
        default="sscard_bench_records",
        help="PostgreSQL: the benchmark's database (another name for runs side by side)",
    )
    parser.add_argument("--chunk", type=int, default=5000)
    parser.add_argument(
        "--keep-people",
        action="store_true",
        help="PostgreSQL: keep the database's people and the batch file of an earlier run with "
        "the same --people and --months; only the records are emptied before the imports",
    )
    parser.add_argument(
        "--passes",
        default="new,unchanged",
        help="which imports to time: new (every record new), unchanged (the same again)",
    )
    args = parser.parse_args()
    passes = [p.strip() for p in args.passes.split(",") if p.strip()]

    os.environ["DATABASE_URL"] = _database_url(
        args.db, args.pg, args.database, keep=args.keep_people
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from sscard.common.context import Actor
    from sscard.records.imports import import_file

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    numbers = _kept_people(args.people) if args.keep_people else None
    if numbers is None:
        numbers = _people(args.people)
    people_s = time.perf_counter() - started
    BENCH.mkdir(parents=True, exist_ok=True)
    path = BENCH / f"records-{len(numbers)}x{args.months}.csv"
    if args.keep_people and path.exists():
        records = len(numbers) * args.months
    else:
        records = _write_file(path, numbers, args.months)
    again = path.with_name(path.stem + "-again.csv")
    shutil.copyfile(path, again)
    with again.open("ab") as stream:
        stream.write(b"\n")  # the same records, another hash
    print(f"{len(numbers)} people in {people_s:.1f} s; file of {records} records written")
    print(f"peak RSS before the imports: {_peak_mib():.0f} MiB")

    result: dict[str, Any] = {
        "db": args.db,
        "people": len(numbers),
        "records": records,
        "chunk": args.chunk,
        "at": dt.datetime.now(dt.UTC).isoformat(),
        "load_average_before": os.getloadavg(),
        "peak_rss_mib_before": round(_peak_mib(), 1),
    }
    for name, file in (("new", path), ("unchanged", again)):
        if name not in passes:
            continue
        started, cpu = time.perf_counter(), time.process_time()
        report = import_file(file, actor=Actor.system(), chunk=args.chunk, progress=True)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        booked = report.created + report.unchanged + report.replaced
        assert booked == records and report.rejected == 0, report
        result[name] = {
            "seconds": round(seconds, 2),
            "records_per_second": round(records / seconds),
            "cpu_seconds": round(cpu, 2),
            "cpu_us_per_record": round(cpu / records * 1e6, 1),
            "peak_rss_mib": round(_peak_mib(), 1),
        }
        print(
            f"{name}: {records} records in {seconds:.1f} s = {records / seconds:,.0f}/s, "
            f"CPU {cpu:.1f} s = {cpu / records * 1e6:.1f} µs/record, "
            f"peak RSS {_peak_mib():.0f} MiB"
        )
    result["load_average_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"records_import-{args.db}-{records}.json"
    out.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

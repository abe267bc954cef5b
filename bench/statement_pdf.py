"""How long does one yearly statement PDF take (`sscard.records.statements.statement_pdf`)?

The issue's target: under 500 ms. This makes a person with 15 years of records of all five
insurances (one job change a year, a few owed and back-paid months) in a database kept for
benchmarks, then times the statement of the last full year: one cold run (the font read for the
first time in the process), then --runs warm ones, and reports the median, p90 and max, and
the median CPU time of the process (which other load on the machine does not inflate). The
figures (records, running totals, accounts) are read from the database in every run.

    .venv/bin/python bench/statement_pdf.py                 # SQLite under var/bench/
    .venv/bin/python bench/statement_pdf.py --db postgres   # database sscard_bench_statement

Results go to bench/results/ as JSON (git-ignored).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
BENCH = ROOT / "var" / "bench"
YEARS = 15


def _database_url(db: str, pg: str) -> str:
    if db == "sqlite":
        BENCH.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{BENCH / 'statement.sqlite3'}"
    import psycopg

    with psycopg.connect(f"{pg}/postgres", autocommit=True) as conn:
        found = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = 'sscard_bench_statement'"
        ).fetchone()
        if not found:
            conn.execute('CREATE DATABASE "sscard_bench_statement"')
    return f"{pg}/sscard_bench_statement"


def person_with_records() -> object:
    """The person of both records benchmarks: 15 years of the five insurances (900 records),
    made once in the database and found again in later runs."""
    from stdnum.cn import ric, uscc

    from sscard.common import clock
    from sscard.people.models import Person
    from sscard.records.models import ContributionRecord, Employer, Insurance

    body = "44010619850612123"
    number = body + ric.calc_check_digit(body)
    found = Person.objects.filter(social_security_number=number).first()
    if found is not None:
        return found
    person = Person.objects.create(
        social_security_number=number,
        name="陈大文",
        sex="M",
        birth_date=dt.date(1985, 6, 12),
        region_code="440106",
        created_at=clock.now(),
    )
    employers = []
    for n in range(YEARS + 1):
        code = f"91440106MA{n:07d}"
        code += uscc.calc_check_digit(code)
        employers.append(
            Employer.objects.get_or_create(
                credit_code=code, defaults={"name": f"广州市天河区第{n}科技有限公司"}
            )[0]
        )
    rates = {
        Insurance.PENSION: (Decimal("0.16"), Decimal("0.08")),
        Insurance.MEDICAL: (Decimal("0.065"), Decimal("0.02")),
        Insurance.UNEMPLOYMENT: (Decimal("0.008"), Decimal("0.002")),
        Insurance.WORK_INJURY: (Decimal("0.002"), Decimal("0")),
        Insurance.MATERNITY: (Decimal("0.0085"), Decimal("0")),
    }
    last = clock.today().year - 1
    rows = []
    now = clock.now()
    for year in range(last - YEARS + 1, last + 1):
        base = Decimal(6000 + 400 * (year - last + YEARS))
        for month in range(1, 13):
            employer = employers[year - last + YEARS - (1 if month <= 6 else 0)]
            status = {4: "back_paid", 10: "owed"}.get(month, "paid")
            for insurance, (employer_rate, individual_rate) in rates.items():
                rows.append(
                    ContributionRecord(
                        person=person,
                        insurance=insurance,
                        month=dt.date(year, month, 1),
                        employer=employer,
                        base=base,
                        employer_amount=(base * employer_rate).quantize(Decimal("0.01")),
                        individual_amount=(base * individual_rate).quantize(Decimal("0.01")),
                        status=status,
                        paid_on=None if status == "owed" else dt.date(year, month, 15),
                        booked_at=now,
                    )
                )
    ContributionRecord.objects.bulk_create(rows)
    return person


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgres", "sqlite"), default="sqlite")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = _database_url(args.db, args.pg)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from sscard.common import clock
    from sscard.records.statements import statement_pdf

    call_command("migrate", verbosity=0)
    person = person_with_records()
    year = clock.today().year - 1

    started = time.perf_counter()
    pdf = statement_pdf(person, year, issued_by="广州市天河区社会保险经办中心")  # type: ignore[arg-type]
    cold = time.perf_counter() - started
    times = []
    cpu = []
    for _ in range(args.runs):
        started, started_cpu = time.perf_counter(), time.process_time()
        statement_pdf(person, year, issued_by="广州市天河区社会保险经办中心")  # type: ignore[arg-type]
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
    times.sort()
    result = {
        "db": args.db,
        "year": year,
        "years_of_records": YEARS,
        "pdf_bytes": len(pdf),
        "cold_ms": round(cold * 1000, 1),
        "runs": args.runs,
        "median_ms": round(statistics.median(times) * 1000, 1),
        "p90_ms": round(times[int(len(times) * 0.9) - 1] * 1000, 1),
        "max_ms": round(times[-1] * 1000, 1),
        # CPU time of this process: what the machine's other load does not inflate.
        "median_cpu_ms": round(statistics.median(cpu) * 1000, 1),
        "load": os.getloadavg(),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"statement_pdf-{stamp}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""How fast are a person's records pages with millions of other records in the table?

The issue's target: a person's records page and `GET /api/v1/me/contributions`, for 15 years of
the five insurances (900 records), answer with a p99 under 50 ms while the table holds
10,000,000 records. Run `bench/records_import.py --people 1000000 --months 10` first: it leaves
those records in `sscard_bench_records`, and this script adds the person of `statement_pdf.py`
to them. Each address is then asked --runs times in process, through Django's whole stack
(middleware, session or token, the read model, the audit of a reading, the template or the
JSON), after 20 warm-up requests:

- the portal's "My records" page of each of the 15 years in turn (`/records/?year=Y`: the chart
  of monthly bases and amounts, gaps and owed months, the totals);
- `/api/v1/me/contributions` (the newest page, with the totals per insurance), and the same for
  one insurance and one year (`?insurance=pension&from=Y-01&to=Y-12`).

    .venv/bin/python bench/records_page.py                    # sscard_bench_records
    .venv/bin/python bench/records_page.py --database sscard_demo

Results go to bench/results/ as JSON (git-ignored), with the table's row count and the load.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"


def _figures(times: list[float], cpu: list[float]) -> dict[str, Any]:
    ordered = sorted(times)
    return {
        "requests": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p90_ms": round(ordered[int(len(ordered) * 0.9) - 1] * 1000, 2),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
        # CPU time of this process: what the machine's other load does not inflate.
        "median_cpu_ms": round(statistics.median(cpu) * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="sscard_bench_records")
    parser.add_argument("--runs", type=int, default=500)
    args = parser.parse_args()

    os.environ["DATABASE_URL"] = f"{args.pg}/{args.database}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from statement_pdf import person_with_records

    from sscard.partners.services import issue_citizen_token
    from sscard.portal.session import PERSON_KEY
    from sscard.records.models import ContributionRecord

    call_command("migrate", verbosity=0)
    person: Any = person_with_records()
    mine = ContributionRecord.objects.filter(person=person).count()
    with connection.cursor() as cursor:  # the planner's estimate: counting 10M rows takes long
        cursor.execute(f"ANALYZE {ContributionRecord._meta.db_table}")
        cursor.execute(
            "SELECT reltuples::bigint FROM pg_class WHERE relname = %s",
            [ContributionRecord._meta.db_table],
        )
        in_table = cursor.fetchone()[0]
    years = sorted(
        {m.year for m in ContributionRecord.objects.filter(person=person).dates("month", "year")}
    )
    print(
        f"{mine} records of the person, about {in_table:,} in the table; "
        f"years {years[0]}–{years[-1]}"
    )

    portal = Client(SERVER_NAME="localhost")
    session = portal.session
    session[PERSON_KEY] = person.pk
    session.save()
    token = issue_citizen_token(person=person).token
    api = Client(SERVER_NAME="localhost", headers={"Authorization": f"Bearer {token}"})

    last = years[-1]
    cases: dict[str, tuple[Client, list[str]]] = {
        "portal_records_page": (portal, [f"/records/?year={y}" for y in years]),
        "api_me_contributions": (api, ["/api/v1/me/contributions"]),
        "api_me_contributions_one_year": (
            api,
            [f"/api/v1/me/contributions?insurance=pension&from={last}-01&to={last}-12"],
        ),
    }
    result: dict[str, Any] = {
        "database": args.database,
        "records_of_the_person": mine,
        "records_in_table_estimate": in_table,
        "load_average_before": os.getloadavg(),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    for name, (client, urls) in cases.items():
        for i in range(20):
            answer = client.get(urls[i % len(urls)])
            assert answer.status_code == 200, (name, answer.status_code, answer.content[:300])
        times: list[float] = []
        cpu: list[float] = []
        for i in range(args.runs):
            url = urls[i % len(urls)]
            started, started_cpu = time.perf_counter(), time.process_time()
            answer = client.get(url)
            times.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
            assert answer.status_code == 200, (name, url, answer.status_code)
        result[name] = _figures(times, cpu)
        print(name, json.dumps(result[name]))
    result["load_average_after"] = os.getloadavg()
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    (RESULTS / f"records_page-{stamp}.json").write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""How many loss reports a second does `POST /api/v1/loss-reports` file, with 1, 4 and 16 clients?

Every report is a write that takes the audit chain's head row lock (`sscard.audit.services`:
`SELECT … FOR UPDATE` of the one `AuditHead` row) for the rest of its transaction, so reports
are serialised there whatever the number of clients: the table shows how the throughput scales
from 1 to 4 to 16 concurrent clients (the goal later: 16 clients at least 3 times one client).

    .venv/bin/python bench/loss_reports.py                        # PostgreSQL, 100,000 people
    .venv/bin/python bench/loss_reports.py --clients 1,4,16 --duration 20
    .venv/bin/python bench/loss_reports.py --worker-class sync --workers 2   # 2 in flight at most

The database is one of its own (`sscard_bench_loss_<size>` on --pg, loaded like
bench/card_status.py's the first time), never the read-only ones other benchmarks share: the
reports change cards. Each report is a temporary report by the holder through the hotline
channel on a different card, one that is normal, in date, of an adult holder who is no one's
ward and never reported before; a run takes as many as it needs from those left (100,000
people last for many runs).

The script makes a `loss:report` token (`sscard token create`, revoked at the end), starts
gunicorn (config/gunicorn.py; by default 2 gthread workers × 8 threads, so that 16 clients can
all be in the server at once), warms up (--warmup seconds with the most clients), then for each
number of clients runs that many threads, each with its own keep-alive httpx connection, filing
reports back to back for --duration seconds. It counts the CPU of the gunicorn workers,
PostgreSQL's backends of the bench database and everything else (bench/http_status.py's meter),
samples every 20 ms how many of the database's backends are in a statement and how many of
them wait for a lock (the serialisation, seen directly), and afterwards checks that every report
answered 2xx is in the database on its card, that the database holds no report beyond those,
and that `sscard audit verify` passes.

Writes JSON to bench/results/ (git-ignored) and a Markdown table to stdout. Not part of CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from card_status import ROOT, cpu_model, label, prepare_database, save
from http_status import BIN, CpuMeter, Server, sscard

DATABASE = "sscard_bench_loss"
PATH = "/api/v1/loss-reports"
CLIENTS = (1, 4, 16)
TARGET_SCALING = 3.0


# ---------------------------------------------------------------- in a child process (Django)


def prepare_child(args: argparse.Namespace) -> None:
    """Load or reuse the database; write the cards that may be reported, one a line:
    number, holder's ID number, holder's name (tab-separated)."""
    url, load_seconds = prepare_database(
        "postgres", args.people, reload=args.reload, pg=args.pg, name=DATABASE
    )
    from django.db import connection

    from sscard.cards.models import Card, CardStatus, LossReport
    from sscard.common import clock

    today = clock.now().date()
    adult = today.replace(year=today.year - 19)
    cards = (
        Card.objects.filter(
            status=CardStatus.NORMAL,
            expires_on__gt=today + dt.timedelta(days=30),
            person__birth_date__lte=adult,
            lost_until__isnull=True,
        )
        .exclude(pk__in=LossReport.objects.values("card_id"))
        # An adult ward (a court's finding, a designation) reports through a guardian.
        .exclude(person__guardianships__isnull=False)
        .order_by("pk")
        .values_list("number", "person__social_security_number", "person__name")
    )
    rows = list(cards[: args.needed])
    Path(args.cards_out).write_text("".join(f"{n}\t{s}\t{m}\n" for n, s, m in rows))
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "url": url,
                "load_seconds": load_seconds,
                "reportable_cards": len(rows),
                "loss_reports_before": LossReport.objects.count(),
                "db_version": version,
            }
        )
    )


def verify_child(args: argparse.Namespace) -> None:
    """Every 2xx answer's report is in the database, on its card, and nothing else was made."""
    os.environ["DATABASE_URL"] = args.url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from sscard.cards.models import LossReport

    made = json.loads(Path(args.verify).read_text())
    found = dict(
        LossReport.objects.filter(reference__in=[r for r, _ in made]).values_list(
            "reference", "card__number"
        )
    )
    missing = [r for r, n in made if found.get(r) != n]
    print(
        json.dumps(
            {
                "answered_2xx": len(made),
                "in_database": len(made) - len(missing),
                "missing_or_on_another_card": missing[:20],
                "loss_reports_after": LossReport.objects.count(),
            }
        )
    )


def child(args: argparse.Namespace, *argv: str) -> dict[str, Any]:
    command = [sys.executable, __file__, *argv, "--people", str(args.people), "--pg", args.pg]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


# ---------------------------------------------------------------- the load


class Cards:
    """The cards not yet reported, handed out once each to whichever client asks."""

    def __init__(self, lines: list[str]) -> None:
        self._rows = [line.split("\t") for line in lines if line]
        self._next = 0
        self._lock = threading.Lock()

    def take(self) -> list[str] | None:
        with self._lock:
            if self._next >= len(self._rows):
                return None
            row = self._rows[self._next]
            self._next += 1
            return row

    @property
    def left(self) -> int:
        return len(self._rows) - self._next


def _body(number: str, ssn: str, name: str) -> dict[str, Any]:
    return {
        "card_number": number,
        "kind": "temporary",
        "channel": "hotline",
        "reporter": {"social_security_number": ssn, "name": name, "relation": "self"},
    }


def run_clients(
    server: Server, token: str, cards: Cards, clients: int, seconds: float
) -> dict[str, Any]:
    import httpx

    answers: list[tuple[int, float, str, str]] = []  # status, seconds, reference, card
    samples: list[str] = []  # the first few failures, as said
    lost: list[int] = [0]  # requests without an answer (connection errors, timeouts)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at: list[float] = []

    def client() -> None:
        mine: list[tuple[int, float, str, str]] = []
        headers = {"Authorization": f"Bearer {token}"}
        with httpx.Client(base_url=server.url(""), headers=headers, timeout=30) as http:
            start.wait()
            while time.monotonic() < stop_at[0]:
                row = cards.take()
                if row is None:
                    break
                began = time.perf_counter()
                try:
                    response = http.post(PATH, json=_body(*row))
                except httpx.HTTPError as exc:
                    with lock:
                        lost[0] += 1
                        samples.append(type(exc).__name__)
                    continue
                took = time.perf_counter() - began
                reference = ""
                if response.status_code < 300:
                    reference = response.json().get("reference", "")
                else:
                    with lock:
                        samples.append(f"{response.status_code} {response.text[:200]}")
                mine.append((response.status_code, took, reference, row[0]))
        with lock:
            answers.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    stop_at.append(time.monotonic() + seconds)
    began = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    times = sorted(t for status, t, _, _ in answers if status < 300)
    ok = [(reference, number) for status, _, reference, number in answers if status < 300]
    requests = len(answers) + lost[0]

    def pct(q: float) -> float:
        return round(1000 * times[min(len(times) - 1, int(len(times) * q))], 1) if times else 0.0

    return {
        "clients": clients,
        "seconds": round(elapsed, 2),
        "requests": requests,
        "ok": len(ok),
        "errors": requests - len(ok),
        "error_samples": samples[:5],
        "rps": round(len(ok) / elapsed, 1),
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "max_ms": round(1000 * times[-1], 1) if times else 0.0,
        "made": ok,
    }


class LockSampler:
    """Every 20 ms, how many of the bench database's backends are running a statement, and how
    many of those wait for a lock (the audit head's row, taken by every report): the
    serialisation made visible, whatever the machine's other load does to the rates."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.samples: list[tuple[int, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            while not self._stop.wait(0.02):
                row = conn.execute(
                    "SELECT count(*) FILTER (WHERE state = 'active'), "
                    "count(*) FILTER (WHERE state = 'active' AND wait_event_type = 'Lock') "
                    "FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid()"
                ).fetchone()
                if row is not None:
                    self.samples.append((int(row[0]), int(row[1])))

    def __enter__(self) -> LockSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        n = len(self.samples) or 1
        self.result = {
            "active_backends_mean": round(sum(a for a, _ in self.samples) / n, 2),
            "waiting_on_lock_mean": round(sum(w for _, w in self.samples) / n, 2),
            "lock_samples": len(self.samples),
        }


# ---------------------------------------------------------------- report


def markdown(rows: list[dict[str, Any]]) -> str:
    one = next((r["rps"] for r in rows if r["clients"] == 1), 0.0)
    lines = [
        "| clients | reports/s | × one client | p50 ms | p90 ms | p99 ms | errors "
        "| CPU ms/report (server + pg) | CPU: server / pg / others % "
        "| backends in a statement / of them waiting on a lock |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|",
    ]
    for r in rows:
        scale = f"{r['rps'] / one:.2f}" if one else ""
        cost = (r["server_cpu_us_per_report"] + r["postgres_cpu_us_per_report"]) / 1000
        lines.append(
            f"| {r['clients']} | {r['rps']:,.1f} | {scale} | {r['p50_ms']:.1f} "
            f"| {r['p90_ms']:.1f} | {r['p99_ms']:.1f} | {r['errors']} | {cost:.1f} "
            f"| {r['server_cpu_pct']} / {r['postgres_cpu_pct']} / {r['others_cpu_pct']} "
            f"| {r['active_backends_mean']:.2f} / {r['waiting_on_lock_mean']:.2f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=100_000, help="people (about 1 card each)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL")
    parser.add_argument("--reload", action="store_true", help="load the data again")
    parser.add_argument("--clients", default=",".join(map(str, CLIENTS)), help="comma-separated")
    parser.add_argument("--duration", type=float, default=20, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=5, help="seconds, with the most clients")
    parser.add_argument("--worker-class", choices=("sync", "gthread"), default="gthread")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=8, help="per gthread worker")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--nice", type=int, help="run gunicorn at this niceness")
    parser.add_argument("--needed", type=int, default=40_000, help="cards to pick from")
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--cards-out", help=argparse.SUPPRESS)
    parser.add_argument("--verify", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.prepare:
        prepare_child(args)
        return
    if args.verify:
        verify_child(args)
        return
    levels = [int(c) for c in args.clients.split(",") if c.strip()]
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    meta: dict[str, Any] = {
        "benchmark": "loss_reports",
        "argv": sys.argv[1:],
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, stdout=subprocess.PIPE, text=True
        ).stdout.strip(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
    }
    rows: list[dict[str, Any]] = []
    made: list[tuple[str, str]] = []
    with tempfile.TemporaryDirectory(prefix="sscard-loss-bench-") as tmp:
        workdir = Path(tmp)
        cards_file = workdir / "cards.tsv"
        print(
            f"== preparing {args.people:,} people in {DATABASE}_{label(args.people)}",
            file=sys.stderr,
        )
        info = child(
            args, "--prepare", "--cards-out", str(cards_file), "--needed", str(args.needed)
        )
        meta["database"] = info
        url = info["url"]
        cards = Cards(cards_file.read_text().splitlines())
        name = f"bench-loss-{stamp}"
        token = sscard(url, "token", "create", "--name", name, "--scopes",
                       "loss:report").strip().splitlines()[-1]  # fmt: skip
        log = ROOT / "var" / "bench" / f"gunicorn-loss-{label(args.people)}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        try:
            with Server(url, args.worker_class, args, log) as server:
                meta["server"] = f"gunicorn {server.label}"
                print(f"== gunicorn {server.label}: warming up", file=sys.stderr)
                # As many clients as the most measured: every gthread thread opens its
                # database connection now, before the CPU of PostgreSQL's backends is counted.
                warm = run_clients(server, token, cards, max(levels), args.warmup)
                made += warm.pop("made")
                for clients in levels:
                    load = os.getloadavg()[0]
                    with CpuMeter(server, "postgres", url) as meter, LockSampler(url) as locks:
                        r = run_clients(server, token, cards, clients, args.duration)
                    made += r.pop("made")
                    n = r["ok"] or 1
                    r.update(meter.result, **locks.result, load_average_1m=round(load, 2))
                    r["server_cpu_us_per_report"] = round(1e6 * r.pop("server_cpu_s") / n)
                    r["postgres_cpu_us_per_report"] = round(1e6 * r.pop("postgres_cpu_s") / n)
                    rows.append(r)
                    print(
                        f"   {clients:>3} clients {r['rps']:>7.1f}/s  p50 {r['p50_ms']:>7.1f} ms"
                        f"  p99 {r['p99_ms']:>7.1f} ms  errors {r['errors']}  CPU: server "
                        f"{r['server_cpu_pct']}%, pg {r['postgres_cpu_pct']}%, others "
                        f"{r['others_cpu_pct']}%  backends active {r['active_backends_mean']}"
                        f", waiting on a lock {r['waiting_on_lock_mean']}"
                        f"  ({cards.left:,} cards left)",
                        file=sys.stderr,
                    )
        finally:
            sscard(url, "token", "revoke", name)
        made_file = workdir / "made.json"
        made_file.write_text(json.dumps(made))
        check = child(args, "--verify", str(made_file), "--url", url)
    audit = subprocess.run(
        [str(BIN / "sscard"), "audit", "verify"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    new_reports = check["loss_reports_after"] - info["loss_reports_before"]
    check.update(
        new_reports_in_database=new_reports,
        audit_verify_exit=audit.returncode,
        audit_verify_output=audit.stdout.strip().splitlines()[-3:],
    )
    meta["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    meta["verification"] = check
    one = next((r["rps"] for r in rows if r["clients"] == 1), 0.0)
    most = max(rows, key=lambda r: r["clients"]) if rows else None
    table = markdown(rows)
    all_in = check["in_database"] == check["answered_2xx"] == new_reports
    table += (
        f"\n\n{meta['server']}, PostgreSQL {info['db_version']}, {args.people:,} people; "
        f"{meta['cpus']} CPUs ({meta['cpu']}); load average {meta['load_average_start'][0]} at "
        f"the start, {meta['load_average_end'][0]} at the end; commit {meta['commit']}.\n"
        f"- {check['answered_2xx']:,} reports answered 2xx (warm-up included), "
        f"{check['in_database']:,} of them in the database on their card, "
        f"{new_reports:,} new reports in the database: "
        + ("**all there, nothing else**" if all_in else "**MISMATCH**")
        + f"; `sscard audit verify`: exit {audit.returncode} "
        f"({' '.join(check['audit_verify_output'])})"
    )
    if most is not None and one:
        scale = most["rps"] / one
        table += (
            f"\n- {most['clients']} clients file {scale:.2f}× what one client files "
            f"({'meets' if scale >= TARGET_SCALING else 'misses'} the later goal ≥ "
            f"{TARGET_SCALING:g}×)"
        )
    print(table)
    path = save([{**meta, "results": rows, "markdown": table}], "loss_reports")
    print(f"\nwritten to {path.relative_to(ROOT)}")
    if not all_in or audit.returncode != 0:
        raise SystemExit(1)


if __name__ == "__main__":
    main()

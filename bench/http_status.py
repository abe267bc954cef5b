"""How fast is `GET /api/v1/cards/{n}/status` over HTTP, under gunicorn, next to a trivial endpoint?

The target (the hot path of API.md): under gunicorn with 2 workers, with 1,000,000 cards, the
status endpoint keeps at least 70 % of the throughput of the trivial authenticated JSON
endpoint `GET /api/v1/ping` measured in the same run, and its p99 stays under 25 ms at a steady
500 requests per second. `/healthz` (no API stack, no auth) is measured for reference.

The API has its own middleware stack (sscard.api.stack): with `--stack both` (the default) each
configuration is measured twice in the same run, once as served and once with the API sent
through the pages' whole middleware stack (bench/full_api_stack_settings.py), and the report
says how much CPU per request the API's own stack saves (target: at least 10 % on status).

    .venv/bin/python bench/http_status.py                      # SQLite, 1M people (make bench-http)
    .venv/bin/python bench/http_status.py --db postgres
    .venv/bin/python bench/http_status.py --db all --worker-class both
    .venv/bin/python bench/http_status.py --people 10000 --duration 5   # a quick look

For each database: prepares it (bench/card_status.py's databases and loading: SQLite files
under var/bench/, PostgreSQL `sscard_bench_<size>`; reused when present), writes a random
sample of existing card numbers, creates an API token (`sscard token create`, revoked at the
end), starts gunicorn (config/gunicorn.py, DEBUG off, no access log, persistent PostgreSQL
connections), waits for it, warms every endpoint up, then measures each endpoint:

- max: wrk as fast as it goes (-t1 -c16 by default), status on random card numbers;
- steady: wrk paced by bench/http_status.lua at --rate requests/s over 10 connections, status
  on random card numbers (wrk alone cannot pace; the script gives it a schedule);
- hey: `hey -z 20s -c 10 -q 50` (500/s) as an independent check of the steady figures; hey
  asks one URL, so the status endpoint gets one (real) card number over and over.

`--endpoints batch` measures the batch lookup `POST /api/v1/cards/status:batch` the same way,
each request asking --batch-size (100) random card numbers of the sample (the Lua script builds
the bodies; hey posts one fixed body of the sample's first numbers), its steady runs paced at
--batch-rate (200) requests/s; the report gives card checks per second and the CPU one check
costs (target: at least 20,000 checks/s, 200 batches of 100 a second):

    .venv/bin/python bench/http_status.py --db postgres --people 100000 --endpoints batch,status \
        --stack lean

Writes the results as JSON to bench/results/ (git-ignored) and a Markdown table to stdout.
The load generator runs on the same machine as the server and the database: the CPU it uses
is measured and reported next to the server's. Needs `wrk` and `hey` (Debian: apt-get install
-y wrk hey); not part of CI.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import json
import os
import platform
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from card_status import DATABASES, ROOT, cpu_model, label, prepare_database, save

BIN = ROOT / ".venv" / "bin"
LUA = Path(__file__).resolve().parent / "http_status.lua"
GUNICORN_CONFIG = ROOT / "config" / "gunicorn.py"
TOOLS = ("wrk", "hey")
INSTALL = "apt-get install -y wrk hey"
ENDPOINTS = ("status", "ping", "healthz")
# Measured when asked for (--endpoints): the batch lookup, --batch-size numbers a request.
KNOWN_ENDPOINTS = (*ENDPOINTS, "batch")
BATCH_PATH = "/api/v1/cards/status:batch"
TARGET_CHECKS = 20_000
PATHS = {"ping": "/api/v1/ping", "healthz": "/healthz", "readyz": "/readyz"}
WORKER_CLASSES = ("sync", "gthread")
# The API's own middleware stack (sscard.api.stack), and the pages' whole stack it replaced.
STACKS = {"lean": "config.settings", "full": "full_api_stack_settings"}
SAMPLE = 100_000  # card numbers the status requests pick from, at random
SEED = 20_120_101
TARGET_RATIO = 0.70
TARGET_P99_MS = 25.0
TICK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------- preparing the database


def prepare_child(args: argparse.Namespace) -> None:
    """In a child process (Django is set up once per process): load or reuse, sample numbers."""
    url, load_seconds = prepare_database(args.db, args.people, reload=args.reload, pg=args.pg)
    from django.db import connection

    from sscard.cards.models import Card

    numbers = list(Card.objects.values_list("number", flat=True))
    sample = random.Random(SEED).sample(numbers, min(SAMPLE, len(numbers)))
    Path(args.numbers_out).write_text("\n".join(sample) + "\n")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        version = cursor.fetchone()[0]
    print(
        json.dumps(
            {
                "url": url,
                "load_seconds": load_seconds,
                "cards": len(numbers),
                "sampled": len(sample),
                "db_version": version,
            }
        )
    )


def prepare(args: argparse.Namespace, db: str, workdir: Path) -> dict[str, Any]:
    numbers = workdir / f"cards-{db}.txt"
    command = [sys.executable, __file__, "--prepare", "--db", db, "--people", str(args.people)]
    command += ["--pg", args.pg, "--numbers-out", str(numbers)]
    command += ["--reload"] if args.reload else []
    started = time.perf_counter()
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    info: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    info["prepare_seconds"] = round(time.perf_counter() - started, 1)
    info["numbers_file"] = str(numbers)
    return info


def server_env(url: str, stack: str = "lean") -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        # This tree's code, even where the virtualenv's editable install points elsewhere.
        PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'bench'}",
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE=STACKS[stack],
        SSCARD_DEBUG="0",
        SSCARD_LOG_LEVEL="WARNING",
        # Persistent connections (PostgreSQL; the settings keep SQLite's per request).
        DATABASE_CONN_MAX_AGE="600",
    )
    return env


def sscard(url: str, *argv: str) -> str:
    done = subprocess.run(
        [str(BIN / "sscard"), *argv],
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=server_env(url),
        cwd=ROOT,
    )
    return done.stdout


# ---------------------------------------------------------------- the server


def _free_port() -> int:
    # Other programs on a shared machine run servers too: never assume a fixed port is ours.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(
        self, url: str, worker_class: str, args: argparse.Namespace, log: Path, stack: str = "lean"
    ) -> None:
        self.port = args.port or _free_port()
        threads = args.threads if worker_class == "gthread" else 1
        self.label = (
            f"{args.workers} {worker_class}"
            + (f" ×{threads} threads" if worker_class == "gthread" else "")
            + f", {stack} API stack"
        )
        self.command = [
            *_niced(args.nice),
            str(BIN / "gunicorn"),
            "--config",
            str(GUNICORN_CONFIG),
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(args.workers),
            "--worker-class",
            worker_class,
            "--threads",
            str(threads),
            "config.wsgi:application",
        ]
        self.workers = args.workers
        self.log = log
        self.env = server_env(url, stack)
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 90
        while True:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited ({self.proc.returncode}); see {self.log}")
            if len(self.worker_pids()) == self.workers and self._healthy():
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise SystemExit(f"gunicorn did not answer /healthz in 90 s; see {self.log}")
            time.sleep(0.2)

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def _healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2) as r:
                return bool(r.status == 200)
        except (urllib.error.URLError, OSError):
            return False

    def worker_pids(self) -> list[int]:
        assert self.proc is not None
        pid = self.proc.pid
        try:
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        except OSError:
            return []

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


# ---------------------------------------------------------------- CPU accounting


def _process_ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0
    return int(fields[11]) + int(fields[12])  # utime + stime


def _postgres_pids(url: str) -> list[int]:
    """The server processes of the connections to the bench database (the same PostgreSQL may
    serve other programs' databases; their CPU counts as others')."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid()"
        ).fetchall()
    return [int(pid) for (pid,) in rows]


def _machine_ticks() -> tuple[int, int]:
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values) - idle, sum(values)


class CpuMeter:
    """CPU seconds used by the server's workers, PostgreSQL and the load generator, and the
    whole machine's busy share, over one measurement."""

    def __init__(self, server: Server, db: str, url: str) -> None:
        self.server = server
        self.db = db
        self.url = url

    def __enter__(self) -> CpuMeter:
        self.workers = self.server.worker_pids()
        self.pg = _postgres_pids(self.url) if self.db == "postgres" else []
        self.t0 = time.monotonic()
        self.w0 = [_process_ticks(p) for p in self.workers]
        self.p0 = sum(_process_ticks(p) for p in self.pg)
        self.c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        self.m0 = _machine_ticks()
        return self

    def __exit__(self, *exc: object) -> None:
        seconds = time.monotonic() - self.t0
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        m1 = _machine_ticks()
        ticks = zip(self.workers, self.w0, strict=True)
        per_worker = [(_process_ticks(pid) - t0) / TICK for pid, t0 in ticks]
        server = sum(per_worker)
        # PostgreSQL backends started during the run are missed; persistent connections
        # are opened at the warm-up, before any measurement.
        pg = (sum(_process_ticks(p) for p in self.pg) - self.p0) / TICK
        generator = (c1.ru_utime - self.c0.ru_utime) + (c1.ru_stime - self.c0.ru_stime)
        busy, total = m1[0] - self.m0[0], m1[1] - self.m0[1]
        # All in % of one core: 100 % per core, so up to 200 % on two cores.
        machine = 100 * (os.cpu_count() or 1) * busy / total if total else 0.0
        ours = 100 * (server + pg + generator) / seconds
        self.result = {
            "server_cpu_pct": round(100 * server / seconds),
            # Each worker's share: gthread workers keep connections, which can leave one
            # worker with most of them.
            "worker_cpu_pct": [round(100 * w / seconds) for w in per_worker],
            "postgres_cpu_pct": round(100 * pg / seconds) if self.db == "postgres" else None,
            "generator_cpu_pct": round(100 * generator / seconds),
            "machine_cpu_pct": round(machine),
            # Everything else the machine ran meanwhile (other programs, the kernel's share).
            "others_cpu_pct": max(0, round(machine - ours)),
            "server_cpu_s": round(server, 3),
            "postgres_cpu_s": round(pg, 3),
        }


# ---------------------------------------------------------------- load generators


def _niced(nice: int | None) -> list[str]:
    return ["nice", "-n", str(nice)] if nice is not None else []


def _target(endpoint: str, numbers_file: str) -> str:
    return f"@{numbers_file}" if endpoint in ("status", "batch") else PATHS[endpoint]


def run_wrk(
    server: Server,
    endpoint: str,
    *,
    token: str,
    numbers_file: str,
    threads: int,
    connections: int,
    seconds: float,
    rate: float = 0,
    nice: int | None = None,
    batch_size: int = 0,
) -> dict[str, Any]:
    env = dict(os.environ)
    env.update(
        SSCARD_WRK_TARGET=_target(endpoint, numbers_file),
        SSCARD_WRK_TOKEN=token if endpoint != "healthz" else "",
        SSCARD_WRK_RATE=str(rate / threads if rate else 0),
        SSCARD_WRK_BATCH=str(batch_size if endpoint == "batch" else 0),
    )
    command = [*_niced(nice), "wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds:g}s"]
    command += ["--timeout", "5s"]
    command += ["-s", str(LUA), server.url("/")]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True, env=env)
    line = next(x for x in done.stdout.splitlines() if x.startswith("SSCARD_WRK_JSON "))
    raw = json.loads(line.split(" ", 1)[1])
    seconds_taken = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    return {
        "tool": "wrk",
        "command": " ".join(command),
        "requests": raw["requests"],
        "seconds": round(seconds_taken, 2),
        "rps": round(raw["requests"] / seconds_taken, 1),
        "errors": raw["errors"],
        "failed": sum(raw["errors"].values()),
        "mean_ms": round(lat["mean"] / 1000, 2),
        "p50_ms": round(lat["p50"] / 1000, 2),
        "p90_ms": round(lat["p90"] / 1000, 2),
        "p99_ms": round(lat["p99"] / 1000, 2),
        "p999_ms": round(lat["p99.9"] / 1000, 2),
        "max_ms": round(lat["max"] / 1000, 2),
    }


def run_hey(
    server: Server,
    endpoint: str,
    *,
    token: str,
    card: str,
    seconds: float,
    rate: float,
    conns: int,
    nice: int | None = None,
    batch: list[str] | None = None,
) -> dict[str, Any]:
    path = f"/api/v1/cards/{card}/status" if endpoint == "status" else PATHS.get(endpoint, "")
    per_worker = rate / conns
    command = [*_niced(nice), "hey", "-z", f"{seconds:g}s", "-c", str(conns)]
    command += ["-q", f"{per_worker:g}"]
    if endpoint == "batch":
        path = BATCH_PATH
        command += ["-m", "POST", "-T", "application/json"]
        command += ["-d", json.dumps({"card_numbers": batch or []})]
    if endpoint != "healthz":
        command += ["-H", f"Authorization: Bearer {token}"]
    command += ["-o", "csv", server.url(path)]
    done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    times = sorted(float(r["response-time"]) * 1000 for r in rows)
    failed = sum(1 for r in rows if not r["status-code"].startswith("2"))
    elapsed = max((float(r["offset"]) + float(r["response-time"]) for r in rows), default=1.0)

    def pct(q: float) -> float:
        return round(times[min(len(times) - 1, int(len(times) * q))], 2) if times else 0.0

    shown = [
        "Authorization: Bearer …"
        if c.startswith("Authorization")
        else "{…}"
        if c.startswith("{")
        else c
        for c in command
    ]
    return {
        "tool": "hey",
        "command": " ".join(shown),
        "requests": len(times),
        "seconds": round(elapsed, 2),
        "rps": round(len(times) / elapsed, 1),
        "failed": failed,
        "mean_ms": round(sum(times) / len(times), 2) if times else 0.0,
        "p50_ms": pct(0.50),
        "p90_ms": pct(0.90),
        "p99_ms": pct(0.99),
        "p999_ms": pct(0.999),
        "max_ms": round(times[-1], 2) if times else 0.0,
    }


# ---------------------------------------------------------------- one configuration


def measure(
    args: argparse.Namespace,
    db: str,
    info: dict[str, Any],
    token: str,
    worker_class: str,
    stack: str,
    log: Path,
) -> list[dict[str, Any]]:
    endpoints = [e for e in KNOWN_ENDPOINTS if e in args.endpoints]
    sample = Path(info["numbers_file"]).read_text().split()
    card, batch = sample[0], sample[: args.batch_size]
    rows: list[dict[str, Any]] = []
    with Server(info["url"], worker_class, args, log, stack) as server:
        print(f"== {db}, gunicorn {server.label}: warming up", file=sys.stderr)
        for endpoint in endpoints:
            run_wrk(
                server,
                endpoint,
                token=token,
                numbers_file=info["numbers_file"],
                threads=1,
                # As many connections as the max runs: every gthread thread opens its database
                # connection now, before the CPU of the database's processes is counted.
                connections=args.connections,
                seconds=args.warmup,
                batch_size=args.batch_size,
            )
        results: dict[str, dict[str, Any]] = {e: {} for e in endpoints}
        # Phase by phase, the endpoints back to back: each comparison is made minutes apart
        # at most, under the same background load.
        # --max-rounds: the max runs again and again, the endpoints taking turns, so that a
        # machine whose speed drifts (a shared host) weighs on every endpoint alike.
        rounds: dict[str, list[dict[str, Any]]] = {e: [] for e in endpoints}
        for phase in ("max",) * args.max_rounds + ("steady", "hey"):
            if phase == "hey" and args.no_hey:
                continue
            for endpoint in endpoints:
                load = os.getloadavg()[0]
                with CpuMeter(server, db, info["url"]) as meter:
                    if phase == "max":
                        r = run_wrk(
                            server,
                            endpoint,
                            token=token,
                            numbers_file=info["numbers_file"],
                            threads=args.wrk_threads,
                            connections=args.connections,
                            seconds=args.duration,
                            nice=args.nice,
                            batch_size=args.batch_size,
                        )
                    elif phase == "steady":
                        r = run_wrk(
                            server,
                            endpoint,
                            token=token,
                            numbers_file=info["numbers_file"],
                            threads=1,
                            connections=args.steady_connections,
                            seconds=args.duration,
                            rate=_rate(args, endpoint),
                            nice=args.nice,
                            batch_size=args.batch_size,
                        )
                    else:
                        r = run_hey(
                            server,
                            endpoint,
                            token=token,
                            card=card,
                            seconds=args.duration,
                            rate=_rate(args, endpoint),
                            conns=args.steady_connections,
                            nice=args.nice,
                            batch=batch,
                        )
                r.update(meter.result, load_average_1m=round(load, 2))
                n = r["requests"] or 1
                r["server_cpu_us_per_request"] = round(1e6 * r.pop("server_cpu_s") / n)
                r["postgres_cpu_us_per_request"] = round(1e6 * r.pop("postgres_cpu_s") / n)
                if endpoint == "batch":
                    r["checks_per_s"] = round(r["rps"] * args.batch_size)
                    cost = r["server_cpu_us_per_request"] + r["postgres_cpu_us_per_request"]
                    r["cpu_us_per_check"] = round(cost / args.batch_size, 1)
                results[endpoint][phase] = r
                if phase == "max":
                    rounds[endpoint].append(r)
                print(
                    f"   {phase:<6} {endpoint:<7} {r['rps']:>8.1f}/s  p50 {r['p50_ms']:>6.2f} ms"
                    f"  p99 {r['p99_ms']:>6.2f} ms  failed {r['failed']}  CPU: server "
                    f"{r['server_cpu_pct']}% ({'+'.join(map(str, r['worker_cpu_pct']))}), "
                    f"pg {r['postgres_cpu_pct'] or 0}%, generator "
                    f"{r['generator_cpu_pct']}%, others {r['others_cpu_pct']}% "
                    f"({r['server_cpu_us_per_request']} µs/request)"
                    + (
                        f"  {r['checks_per_s']:,} checks/s, {r['cpu_us_per_check']} µs/check"
                        if endpoint == "batch"
                        else ""
                    ),
                    file=sys.stderr,
                )
    for endpoint in endpoints:
        if args.max_rounds > 1:
            # The round of the median req/s stands for the endpoint; every round is kept.
            by_rps = sorted(rounds[endpoint], key=lambda r: r["rps"])
            results[endpoint]["max"] = by_rps[len(by_rps) // 2]
            results[endpoint]["max_rounds_rps"] = [r["rps"] for r in rounds[endpoint]]
        rows.append(
            {
                "db": db,
                "db_version": info["db_version"],
                "cards": info["cards"],
                "server": f"gunicorn {server.label}",
                "worker_class": worker_class,
                "stack": stack,
                "workers": args.workers,
                "threads": args.threads if worker_class == "gthread" else 1,
                "endpoint": endpoint,
                **(
                    {"batch_size": args.batch_size, "steady_rate": _rate(args, endpoint)}
                    if endpoint == "batch"
                    else {}
                ),
                **results[endpoint],
            }
        )
    by = {r["endpoint"]: r for r in rows}
    if "status" in by and "ping" in by:
        status, ping = by["status"], by["ping"]
        ratio = status["max"]["rps"] / ping["max"]["rps"]
        status["ratio_to_ping"] = round(ratio, 3)
        status["cpu_ratio_to_ping"] = round(_cost(ping) / _cost(status), 3)
        steady_p99 = status["steady"]["p99_ms"]
        steady_ok = status["steady"]["rps"] >= 0.97 * args.rate and not status["steady"]["failed"]
        status["meets_target"] = {
            "ratio": ratio >= TARGET_RATIO,
            "p99_at_rate": steady_p99 < TARGET_P99_MS and steady_ok,
        }
    if "status" in by and "healthz" in by and args.max_rounds > 1:
        # Each round's status against the /healthz run just before or after it.
        pairs = zip(by["status"]["max_rounds_rps"], by["healthz"]["max_rounds_rps"], strict=True)
        ratios = sorted(s / h for s, h in pairs)
        by["status"]["rounds_ratio_to_healthz"] = [round(x, 3) for x in ratios]
        by["status"]["median_ratio_to_healthz"] = round(ratios[len(ratios) // 2], 3)
        print(
            f"   status / healthz, round by round: {', '.join(f'{x:.1%}' for x in ratios)}; "
            f"median {ratios[len(ratios) // 2]:.1%}",
            file=sys.stderr,
        )
    if "batch" in by:
        row = by["batch"]
        row["meets_target"] = {"checks_per_s": row["max"]["checks_per_s"] >= TARGET_CHECKS}
    return rows


def _rate(args: argparse.Namespace, endpoint: str) -> float:
    """Requests per second of the steady runs: a batch carries --batch-size checks."""
    return float(args.batch_rate if endpoint == "batch" else args.rate)


def _cost(row: dict[str, Any]) -> int:
    """CPU µs one request costs the server and PostgreSQL, in the max run. Their ratio is what
    the throughput ratio tends to when the server is CPU-bound and nothing else runs."""
    return int(row["max"]["server_cpu_us_per_request"]) + int(
        row["max"]["postgres_cpu_us_per_request"]
    )


# ---------------------------------------------------------------- report


def _stack_savings(rows: list[dict[str, Any]]) -> list[str]:
    """What the API's own stack saves an API request, against the pages' whole stack in the
    same run: CPU per request (server + PostgreSQL) in the max runs."""
    lines = []
    by = {(r["db"], r["worker_class"], r["stack"], r["endpoint"]): r for r in rows}
    for (db, worker_class, stack, endpoint), lean in by.items():
        full = by.get((db, worker_class, "full", endpoint))
        if stack != "lean" or full is None or endpoint == "healthz":
            continue
        saved = 1 - _cost(lean) / _cost(full)
        lines.append(
            f"- {db}, {worker_class}, {endpoint}: the API's own stack costs {_cost(lean):,} µs "
            f"of CPU per request against {_cost(full):,} µs through the whole stack "
            f"(**{saved:.0%} less**; max req/s {lean['max']['rps']:,.0f} against "
            f"{full['max']['rps']:,.0f})"
        )
    return lines


def _ms(value: float) -> str:
    return f"{value:.2f}"


def markdown(rows: list[dict[str, Any]], rate: float) -> str:
    r = f"{rate:g}/s"
    lines = [
        f"| database | gunicorn | endpoint | max req/s | p50 | p99 | status/ping (CPU) "
        f"| {r}: p50 | p99 | achieved | hey {r}: p50 | p99 | CPU µs/request "
        "| CPU at max: server / pg / wrk / others |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        mx, st, hy = row["max"], row["steady"], row.get("hey")
        ratio = ""
        if "ratio_to_ping" in row:
            ratio = f"**{row['ratio_to_ping']:.0%}** ({row['cpu_ratio_to_ping']:.0%})"
        failed = sum(row[p]["failed"] for p in ("max", "steady", "hey") if p in row)
        endpoint = row["endpoint"] + (f" ({failed} failed)" if failed else "")
        pg = mx.get("postgres_cpu_pct") or 0
        lines.append(
            f"| {row['db']} | {row['server'].removeprefix('gunicorn ')} | {endpoint} "
            f"| {mx['rps']:,.0f} | {_ms(mx['p50_ms'])} | {_ms(mx['p99_ms'])} | {ratio} "
            f"| {_ms(st['p50_ms'])} | {_ms(st['p99_ms'])} | {st['rps']:,.0f} "
            f"| {_ms(hy['p50_ms']) if hy else ''} | {_ms(hy['p99_ms']) if hy else ''} "
            f"| {_cost(row):,} "
            f"| {mx['server_cpu_pct']} / {pg} / {mx['generator_cpu_pct']} "
            f"/ {mx['others_cpu_pct']} % |"
        )
    lines += [
        "",
        "Latencies in ms. max: wrk as fast as it goes (status/ping: ratio of these req/s; in",
        "brackets the ratio of the CPU one request costs the server and PostgreSQL, which the",
        f"req/s ratio tends to on an otherwise idle machine). {r}: wrk paced at {r} (achieved:",
        f"the rate it reached); hey {r}: hey -q, status on one card number. CPU in % of one core",
        "(200 % = the whole machine); others: every other process on the machine meanwhile.",
    ]
    lines += _stack_savings(rows)
    for row in rows:
        if row["endpoint"] == "batch":
            mx, st = row["max"], row["steady"]
            ok = row["meets_target"]["checks_per_s"]
            lines.append(
                f"- {row['db']}, {row['server']}: batch of {row['batch_size']}: max "
                f"{mx['checks_per_s']:,} checks/s ({mx['rps']:,.0f} requests/s; "
                f"{'meets' if ok else 'MISSES'} ≥ {TARGET_CHECKS:,}), "
                f"{mx['cpu_us_per_check']} µs of CPU per check (server + pg), which on 2 "
                f"otherwise idle cores would allow about {2e6 / mx['cpu_us_per_check']:,.0f} "
                f"checks/s; the steady row: paced at {row['steady_rate']:g} batches/s, reached "
                f"{st['rps']:,.0f}/s = {st['checks_per_s']:,} checks/s, p99 {st['p99_ms']:.2f} ms"
            )
            continue
        if "median_ratio_to_healthz" in row:
            lines.append(
                f"- {row['db']}, {row['server']}: status / `/healthz` max req/s, round by round "
                f"(each against the `/healthz` run beside it): "
                f"{', '.join(f'{x:.1%}' for x in row['rounds_ratio_to_healthz'])}; median "
                f"**{row['median_ratio_to_healthz']:.1%}** (target ≥ 90 %)"
            )
        if "meets_target" in row:
            ok = row["meets_target"]
            lines.append(
                f"- {row['db']}, {row['server']}: ratio {row['ratio_to_ping']:.0%} "
                f"({'meets' if ok['ratio'] else 'MISSES'} ≥ {TARGET_RATIO:.0%}); p99 at {r} "
                f"{row['steady']['p99_ms']:.2f} ms at {row['steady']['rps']:.0f}/s "
                f"({'meets' if ok['p99_at_rate'] else 'MISSES'} < {TARGET_P99_MS:g} ms)"
            )
    return "\n".join(lines)


def _tool_version(package: str) -> str:
    done = subprocess.run(
        ["dpkg-query", "-W", "-f=${Version}", package], stdout=subprocess.PIPE, text=True
    )
    return done.stdout.strip() or "unknown"


def _python_package_versions() -> dict[str, str]:
    code = (
        "import json, importlib.metadata as m; print(json.dumps({p: m.version(p) for p in "
        "('django', 'django-ninja', 'pydantic', 'gunicorn', 'psycopg')}))"
    )
    done = subprocess.run([str(BIN / "python"), "-c", code], stdout=subprocess.PIPE, text=True)
    return dict(json.loads(done.stdout))


def _git(*argv: str) -> str:
    done = subprocess.run(["git", *argv], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    return done.stdout.strip()


def check_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        print(
            f"missing: {', '.join(missing)}. Install with:\n\n    {INSTALL}\n\n"
            "(as root; with sudo otherwise)",
            file=sys.stderr,
        )
        raise SystemExit(2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=(*DATABASES, "all"), default="sqlite")
    parser.add_argument("--people", type=int, default=1_000_000, help="people (about 1 card each)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432", help="server URL")
    parser.add_argument("--reload", action="store_true", help="load the data again")
    parser.add_argument(
        "--worker-class", choices=(*WORKER_CLASSES, "both"), default="sync", help="gunicorn's"
    )
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--stack",
        choices=(*STACKS, "both"),
        default="both",
        help="the API's own middleware stack, the pages' whole stack, or both in turn",
    )
    parser.add_argument("--threads", type=int, default=4, help="per gthread worker")
    parser.add_argument("--port", type=int, default=0, help="default: a free one")
    parser.add_argument("--duration", type=float, default=20, help="seconds per measurement")
    parser.add_argument("--warmup", type=float, default=5, help="seconds per endpoint")
    parser.add_argument(
        "--max-rounds",
        type=int,
        default=1,
        help="max runs of each endpoint, taking turns (the median round is reported, and "
        "status / healthz round by round)",
    )
    parser.add_argument("--wrk-threads", type=int, default=1, help="for the max runs")
    parser.add_argument("--connections", type=int, default=16, help="for the max runs")
    parser.add_argument("--rate", type=float, default=500, help="steady requests per second")
    parser.add_argument("--steady-connections", type=int, default=10)
    parser.add_argument(
        "--endpoints",
        default=",".join(ENDPOINTS),
        help=f"comma-separated, of {', '.join(KNOWN_ENDPOINTS)}",
    )
    parser.add_argument("--batch-size", type=int, default=100, help="card numbers a batch")
    parser.add_argument(
        "--batch-rate", type=float, default=200, help="steady batch requests per second"
    )
    parser.add_argument("--no-hey", action="store_true", help="skip the hey runs")
    parser.add_argument(
        "--nice",
        type=int,
        help="run gunicorn and the load generators at this niceness (e.g. -10, as root): "
        "on a machine shared with other work, approximates a dedicated one",
    )
    parser.add_argument("--prepare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--numbers-out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.endpoints = [e.strip() for e in args.endpoints.split(",") if e.strip()]
    unknown = set(args.endpoints) - set(KNOWN_ENDPOINTS)
    if unknown:
        parser.error(f"unknown endpoints: {', '.join(sorted(unknown))}")
    if args.prepare:
        prepare_child(args)
        return
    check_tools()
    dbs = DATABASES if args.db == "all" else (args.db,)
    classes = WORKER_CLASSES if args.worker_class == "both" else (args.worker_class,)
    stacks = tuple(STACKS) if args.stack == "both" else (args.stack,)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    rows: list[dict[str, Any]] = []
    meta: dict[str, Any] = {
        "benchmark": "http_status",
        "argv": sys.argv[1:],
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
        "python": platform.python_version(),
        **_python_package_versions(),
        "wrk": _tool_version("wrk"),
        "hey": _tool_version("hey"),
        "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        # The code measured: the commit, and the files under sscard/ and config/ that differ.
        "commit": _git("rev-parse", "--short", "HEAD"),
        "uncommitted": _git("status", "--porcelain", "--", "sscard", "config").splitlines(),
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "databases": {},
    }
    with tempfile.TemporaryDirectory(prefix="sscard-http-bench-") as tmp:
        workdir = Path(tmp)
        for db in dbs:
            print(f"== {db}: preparing {args.people:,} people", file=sys.stderr)
            info = prepare(args, db, workdir)
            meta["databases"][db] = {k: v for k, v in info.items() if k != "numbers_file"}
            name = f"bench-http-{db}-{stamp}"
            token = sscard(info["url"], "token", "create", "--name", name, "--scopes",
                           "cards:verify").strip().splitlines()[-1]  # fmt: skip
            try:
                for worker_class in classes:
                    for stack in stacks:
                        log = ROOT / "var" / "bench" / f"gunicorn-{db}-{label(args.people)}.log"
                        log.parent.mkdir(parents=True, exist_ok=True)
                        rows += measure(args, db, info, token, worker_class, stack, log)
            finally:
                sscard(info["url"], "token", "revoke", name)
    meta["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    table = markdown(rows, args.rate)
    table += (
        f"\n\n{meta['cpus']} CPUs ({meta['cpu']}); load average {meta['load_average_start'][0]} at "
        f"the start, {meta['load_average_end'][0]} at the end; commit {meta['commit']}"
        + (" with uncommitted changes under sscard/ or config/" if meta["uncommitted"] else "")
        + (f"; gunicorn and load generators at nice {args.nice}" if args.nice is not None else "")
        + "."
    )
    print(table)
    path = save([{**meta, "results": rows, "markdown": table}], "http_status")
    print(f"\nwritten to {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()

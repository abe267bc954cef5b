"""Does `/readyz` stay quick while the API is under load?

The target (issue: operations): `/readyz` answers with a p99 under 50 ms at 100 requests/s while
the API is under load.

    .venv/bin/python bench/readyz.py --db postgres --people 100000

Prepares the database as bench/http_status.py does (reused when present), creates an API token,
starts gunicorn (config/gunicorn.py, 2 sync workers by default) and `sscard worker` beside it
(its heartbeat makes `/readyz` answer 200), warms up, then measures, with wrk paced by
bench/http_status.lua:

- `/readyz` alone at --rate requests/s over 4 connections;
- the same while another wrk sends `GET /api/v1/cards/{n}/status` of random cards as fast as it
  goes over --connections connections: the API under load, on the same 2 cores.

Every `/readyz` answer must be 200 (wrk counts any other status as an error). Writes JSON to
bench/results/ (git-ignored) and a Markdown table to stdout. Needs wrk (Debian: apt-get
install -y wrk); not part of CI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from card_status import ROOT, cpu_model, label, save
from http_status import BIN, Server, prepare, run_wrk, server_env, sscard


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="postgres")
    parser.add_argument("--people", type=int, default=100_000)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--reload", action="store_true")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--nice", type=int, default=None)
    parser.add_argument("--rate", type=float, default=100, help="/readyz requests per second")
    parser.add_argument("--connections", type=int, default=16, help="for the status load")
    parser.add_argument("--seconds", type=float, default=20)
    args = parser.parse_args()

    rows: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="sscard-readyz-bench-") as tmp:
        info = prepare(args, args.db, Path(tmp))
        url = info["url"]
        name = f"bench-readyz-{os.getpid()}"
        token = sscard(url, "token", "create", "--name", name, "--scopes", "cards:verify")
        token = token.strip().splitlines()[-1]
        log = ROOT / "var" / "bench" / f"readyz-{args.db}-{label(args.people)}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        worker = subprocess.Popen(
            [str(BIN / "sscard"), "worker", "--no-sweep"],
            cwd=ROOT,
            env=server_env(url),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
        )
        try:
            with Server(url, "sync", args, log) as server:

                def wrk(
                    endpoint: str, seconds: float, connections: int, rate: float = 0
                ) -> dict[str, Any]:
                    return run_wrk(
                        server,
                        endpoint,
                        token=token,
                        numbers_file=info["numbers_file"],
                        threads=1,
                        connections=connections,
                        seconds=seconds,
                        rate=rate,
                    )

                def readyz(seconds: float) -> dict[str, Any]:
                    return wrk("readyz", seconds, 4, args.rate)

                def status_load(seconds: float) -> dict[str, Any]:
                    return wrk("status", seconds, args.connections)

                readyz(3)  # warm-up: every worker's connection opened, the worker beating
                status_load(3)
                rows["readyz alone"] = readyz(args.seconds)
                load: dict[str, Any] = {}
                beside = threading.Thread(
                    target=lambda: load.update(status_load(args.seconds + 2)), daemon=True
                )
                beside.start()
                rows["readyz, API under load"] = readyz(args.seconds)
                beside.join()
                rows["status, the load beside it"] = load
        finally:
            worker.terminate()
            worker.wait(30)
            sscard(url, "token", "revoke", name)

    result = {
        "benchmark": "readyz",
        "db": args.db,
        "people": args.people,
        "rate": args.rate,
        "rows": rows,
        "cpu": cpu_model(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "at": dt.datetime.now(tz=dt.UTC).isoformat(timespec="seconds"),
    }
    save([result], f"readyz-{args.db}-{label(args.people)}")
    print(json.dumps(result, indent=2), file=sys.stderr)
    print("| what | requests/s | errors | p50 | p99 | max |\n|---|---:|---:|---:|---:|---:|")
    for what, row in rows.items():
        print(
            f"| {what} | {row['rps']:,} | {row['failed']} | {row['p50_ms']} ms "
            f"| {row['p99_ms']} ms | {row['max_ms']} ms |"
        )


if __name__ == "__main__":
    main()

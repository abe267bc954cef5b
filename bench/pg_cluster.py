"""The benchmarks' own PostgreSQL cluster: large loads (20M people) never go to a shared server.

    .venv/bin/python bench/pg_cluster.py init     # initdb, deploy/postgresql/large-province.conf
    .venv/bin/python bench/pg_cluster.py start | stop | url | settings

The cluster lives in --dir (default /work/bench-pg) and listens on 127.0.0.1:--port (55432),
trust authentication for the postgres user; as root it runs as the postgres user, as
tests/faults/ does for its private clusters. Unlike those it keeps fsync and its data.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "deploy" / "postgresql" / "large-province.conf"
SHOWN = (
    "server_version",
    "shared_buffers",
    "huge_pages",
    "effective_cache_size",
    "work_mem",
    "maintenance_work_mem",
    "wal_buffers",
    "max_wal_size",
    "checkpoint_timeout",
    "checkpoint_completion_target",
    "wal_compression",
    "random_page_cost",
    "effective_io_concurrency",
    "jit",
    "shared_preload_libraries",
    "max_connections",
)


def _newest_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    if not found:
        raise SystemExit("no PostgreSQL server binaries under /usr/lib/postgresql")
    return found[-1].parent


def _as_postgres() -> list[str]:
    """initdb refuses root: as root, the cluster is the postgres user's."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def url(port: int, database: str = "") -> str:
    return f"postgres://postgres@127.0.0.1:{port}" + (f"/{database}" if database else "")


def pg_ctl(directory: Path, port: int, *args: str) -> None:
    options = f"-p {port} -k {directory} -c listen_addresses=127.0.0.1"
    subprocess.run(
        [
            *_as_postgres(),
            str(_newest_bin() / "pg_ctl"),
            "-D",
            str(directory / "data"),
            "-w",
            "-t",
            "120",
            "-l",
            str(directory / "server.log"),
            "-o",
            options,
            *args,
        ],
        check=True,
    )


def init(directory: Path, port: int) -> None:
    data = directory / "data"
    if data.exists():
        raise SystemExit(f"{data} exists: `start` it, or remove it first")
    directory.mkdir(parents=True, exist_ok=True)
    if os.geteuid() == 0:
        shutil.chown(directory, "postgres", "postgres")
    subprocess.run(
        [
            *_as_postgres(),
            str(_newest_bin() / "initdb"),
            "-D",
            str(data),
            "-A",
            "trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
        ],
        check=True,
    )
    conf = data / "postgresql.conf"
    with conf.open("a") as out:
        out.write(f"\n# The benchmarks' settings\n{SETTINGS.read_text()}")
    pg_ctl(directory, port, "start")


def show(port: int) -> dict[str, str]:
    import psycopg

    with psycopg.connect(url(port, "postgres")) as conn:
        found = {}
        for name in SHOWN:
            row = conn.execute(f"SHOW {name}").fetchone()
            found[name] = row[0] if row else ""
        return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("action", choices=("init", "start", "stop", "url", "settings"))
    parser.add_argument("--dir", type=Path, default=Path("/work/bench-pg"))
    parser.add_argument("--port", type=int, default=55432)
    args = parser.parse_args()
    if args.action == "init":
        init(args.dir, args.port)
    elif args.action == "start":
        pg_ctl(args.dir, args.port, "start")
    elif args.action == "stop":
        pg_ctl(args.dir, args.port, "stop", "-m", "fast")
    elif args.action == "url":
        print(url(args.port))
    else:
        for name, value in show(args.port).items():
            print(f"{name:<30} {value}")


if __name__ == "__main__":
    main()

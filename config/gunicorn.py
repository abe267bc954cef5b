"""gunicorn settings for sscard: `gunicorn -c config/gunicorn.py config.wsgi:application`.

Everything can be changed from the environment (or by gunicorn's own command-line options,
which win over this file). No gunicorn access log: the application writes one line per request
itself (`sscard.access`, with the request id, actor and outcome; SSCARD_ACCESS_LOG=0 stops it).
gunicorn's own lines go through sscard's logging configuration (`logconfig_dict`): JSON lines
in production, masked like every other record (sscard.common.logs). bench/http_status.py starts
the server with this file.
"""

from __future__ import annotations

import os
from typing import Any

from sscard.common.logs import log_format, logging_config, production_from

bind = os.environ.get("SSCARD_BIND", "127.0.0.1:8000")
# Sync workers (one request at a time each, no keep-alive) by default; gthread keeps
# connections alive and runs SSCARD_THREADS requests per worker (see BENCHMARKS.md).
workers = int(os.environ.get("SSCARD_WORKERS", os.environ.get("WEB_CONCURRENCY", "2")))
worker_class = os.environ.get("SSCARD_WORKER_CLASS", "sync")
threads = int(os.environ.get("SSCARD_THREADS", "1"))
keepalive = int(os.environ.get("SSCARD_KEEPALIVE", "5"))
timeout = int(os.environ.get("SSCARD_WORKER_TIMEOUT", "30"))
# Heartbeat files on tmpfs, not on a disk-backed /tmp that can stall a worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = None
errorlog = "-"
loglevel = os.environ.get("SSCARD_GUNICORN_LOG_LEVEL", "warning")
# gunicorn's control interface (`gunicornc`) listens on one socket path per user by default, so
# two servers of the same user (two sites, a test run beside a trial server) would take each
# other's. Off unless SSCARD_CONTROL_SOCKET names a path of this server's own.
_control_socket = os.environ.get("SSCARD_CONTROL_SOCKET", "")
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket
logconfig_dict = logging_config(
    log_format=log_format(os.environ, production=production_from(os.environ)),
    level=os.environ.get("SSCARD_LOG_LEVEL", "INFO"),
    gunicorn_level=loglevel.upper(),
)


# Metrics of several worker processes (sscard.metrics): with PROMETHEUS_MULTIPROC_DIR set, each
# worker keeps its counters in files there and a scrape sums them all. The directory starts
# empty at each start of the server, and a worker that exits is marked dead.
def on_starting(server: object) -> None:
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        os.makedirs(directory, exist_ok=True)
        for name in os.listdir(directory):
            if name.endswith(".db"):
                os.remove(os.path.join(directory, name))


def child_exit(server: object, worker: Any) -> None:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def post_worker_init(worker: object) -> None:
    """Each worker, once it has loaded the application: the URL configuration loaded with every
    view it names (Django otherwise imports them on the first request), then everything loaded
    so far set aside from the garbage collector (`gc.freeze`). Those 170,000-odd long-lived
    objects were otherwise traversed by every full collection: a pause of up to 140 ms in the
    middle of a request (BENCHMARKS.md), for objects that live as long as the worker."""
    import gc

    from django.urls import get_resolver

    get_resolver().reverse_dict  # noqa: B018  # imports the views and builds the reverse map
    gc.collect()
    gc.freeze()

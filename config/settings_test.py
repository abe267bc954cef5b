"""Test settings: the same as production but with a cheap PIN hash and a file SQLite.

The SQLite test database is a file (not Django's shared in-memory default) so that the
concurrency tests see the same WAL and locking behaviour as the embedded service.
"""

from __future__ import annotations

import os
import tempfile

from config.settings import *  # noqa: F403
from config.settings import DATABASES

PIN_HASH_TIME_COST = 1
PIN_HASH_MEMORY_KIB = 1024

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(tempfile.gettempdir(), f"sscard-test-{os.getpid()}-{_worker}.sqlite3")
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# The tests' webhook receivers listen on localhost over plain http: allowed here explicitly
# (production allows neither; tests/test_webhook_urls.py checks the refusals).
WEBHOOK_ALLOWED_NETWORKS = ["127.0.0.0/8", "::1/128"]

"""The metrics counted as things happen, in the process where they happen. Under gunicorn with
`PROMETHEUS_MULTIPROC_DIR` set, prometheus-client keeps each process's values in that directory
and a scrape sums them all (config/gunicorn.py clears it at start and marks exited workers).

Labels hold only names from a fixed vocabulary: a route's pattern, an HTTP method, a status
class, a channel, an outcome. Never an address's path, a number or anything about a person.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

from sscard.common.context import Channel
from sscard.people.models import CodePurpose
from sscard.signin.signals import OUTCOMES

# Seconds: a status lookup takes about a millisecond, a PDF a good part of a second.
LATENCY_BUCKETS = (
    0.001,
    0.0025,
    0.005,
    0.01,
    0.025,
    0.05,
    0.1,
    0.25,
    0.5,
    1.0,
    2.5,
    5.0,
    10.0,
)
QUERY_BUCKETS = (0, 1, 2, 3, 5, 10, 20, 50, 100, 200)

REQUESTS = Counter(
    "sscard_http_requests",
    "HTTP requests answered, by route pattern, method and status class.",
    ["route", "method", "status"],
)
REQUEST_SECONDS = Histogram(
    "sscard_http_request_duration_seconds",
    "Time from a request's arrival at the first middleware to its answer, by route and method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
REQUEST_DB_SECONDS = Histogram(
    "sscard_http_request_db_seconds",
    "Time a request spent in database queries, by route and method.",
    ["route", "method"],
    buckets=LATENCY_BUCKETS,
)
REQUEST_DB_QUERIES = Histogram(
    "sscard_http_request_db_queries",
    "Database queries a request made, by route and method.",
    ["route", "method"],
    buckets=QUERY_BUCKETS,
)
SIGNIN_CODES = Counter(
    "sscard_signin_codes",
    "Requests for a one-time code, by purpose and outcome: sent, refused (over a budget: 429), "
    "no_match (ID number and phone do not match), quota_spent, not_sent (the SMS failed).",
    ["purpose", "outcome"],
)
PIN_LOCKS = Counter(
    "sscard_pin_locks",
    "Cards whose PIN a wrong PIN locked, by the channel of the try.",
    ["channel"],
)

_started = False


def start() -> None:
    """Give every event counter its series at zero, so that a rate is right from the first
    event (called by a process that serves requests, not by every command)."""
    global _started
    if _started:
        return
    for purpose in CodePurpose.values:
        for outcome in OUTCOMES:
            SIGNIN_CODES.labels(purpose, outcome)
    for channel in Channel.values:
        PIN_LOCKS.labels(channel)
    _started = True

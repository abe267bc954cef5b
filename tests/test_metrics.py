"""`/metrics` as an operator reads it: who may scrape it (loopback or configured networks, or the
bearer token; anyone else gets 404), requests and business figures moving after real requests,
no personal data anywhere in the text, the documented dashboard and alerts naming only metrics
that exist, and gunicorn's worker processes summed in one scrape."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import signal
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.test import Client
from prometheus_client.parser import text_string_to_metric_families

from sscard.background.heartbeat import beat
from sscard.cards.models import Card
from sscard.cards.services import verify_pin
from sscard.common import clock
from sscard.common.errors import DomainError
from sscard.notifications.models import OutboxKind, OutboxMessage, OutboxStatus
from sscard.people.models import Person
from tests.caches import emptied_cache
from tests.conftest import ApiCaller
from tests.factories import BankFactory, make_card, make_person
from tests.process_support import database_url, gunicorn, wait_until

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
TOKEN = "metrics-token-5f1c9a7e2b"
ID_NUMBER = "440106198507150019"
PHONE = "13800138000"
STATUS_ROUTE = "/api/v1/cards/<card_number>/status"

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def scrape(client: Client | None = None, **extra: Any) -> Samples:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    return parse(response.content.decode())


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, frozenset(labels.items())), 0.0)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    """Rate-limit counters live in the cache: each test starts with none."""
    with emptied_cache():
        yield


@pytest.fixture
def holder() -> Person:
    return make_person(social_security_number=ID_NUMBER, name="王建国", phone=PHONE)


@pytest.fixture
def card(holder: Person) -> Card:
    return make_card(person=holder, bank=BankFactory.create())


# ---------------------------------------------------------------- who may scrape


def test_loopback_scrapes_by_default() -> None:
    samples = scrape(REMOTE_ADDR="127.0.0.1")

    assert value(samples, "sscard_business_metrics_ok") == 1.0


def test_another_address_gets_404_as_for_an_address_that_does_not_exist() -> None:
    refused = Client().get("/metrics", REMOTE_ADDR="203.0.113.9")
    nothing = Client().get("/no-such-page", REMOTE_ADDR="203.0.113.9")

    assert refused.status_code == nothing.status_code == 404
    assert b"sscard_" not in refused.content


def test_the_token_opens_it_from_anywhere_and_a_wrong_one_does_not(settings: Any) -> None:
    settings.METRICS_TOKEN = TOKEN
    outside = "203.0.113.9"

    assert scrape(HTTP_AUTHORIZATION=f"Bearer {TOKEN}", REMOTE_ADDR=outside)
    for wrong in (f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", TOKEN, f"Basic {TOKEN}", ""):
        response = Client().get("/metrics", HTTP_AUTHORIZATION=wrong, REMOTE_ADDR=outside)
        assert response.status_code == 404, wrong


def test_without_a_token_configured_no_bearer_opens_it(settings: Any) -> None:
    settings.METRICS_TOKEN = ""

    response = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer ", REMOTE_ADDR="203.0.113.9")

    assert response.status_code == 404


def test_the_configured_networks_replace_loopback(settings: Any) -> None:
    settings.METRICS_ALLOWED_NETWORKS = ["203.0.113.0/24", "2001:db8::/32"]

    assert scrape(REMOTE_ADDR="203.0.113.9")
    assert scrape(REMOTE_ADDR="2001:db8::7")
    assert Client().get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert Client().get("/metrics", REMOTE_ADDR="198.51.100.1").status_code == 404


def test_behind_a_proxy_the_client_counts_not_the_proxy(settings: Any) -> None:
    """The proxy itself stands on loopback; the client it forwards does not."""
    settings.TRUSTED_PROXIES = 1

    forwarded = Client().get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    local = Client().get("/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1")
    claimed = Client().get(
        "/metrics", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="127.0.0.1, 203.0.113.9"
    )

    assert (forwarded.status_code, local.status_code, claimed.status_code) == (404, 200, 404)


# ---------------------------------------------------------------- what moves


def test_a_loss_report_filed_through_the_api_moves_the_figures(
    api: ApiCaller, make_token: Callable[..., str], card: Card, holder: Person
) -> None:
    token = make_token("loss:report", name="12333-hotline")
    before = scrape()

    response = api.post(
        "/loss-reports",
        {
            "kind": "temporary",
            "channel": "hotline",
            "card_number": card.number,
            "reporter": {
                "social_security_number": holder.social_security_number,
                "name": holder.name,
                "relation": "self",
            },
        },
        token=token,
    )
    assert response.status_code == 201, response.content
    after = scrape()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = {"route": "/api/v1/loss-reports", "method": "POST"}
    assert moved("sscard_http_requests_total", status="2xx", **route) == 1
    assert moved("sscard_http_request_duration_seconds_count", **route) == 1
    assert moved("sscard_http_request_duration_seconds_bucket", le="+Inf", **route) == 1
    assert moved("sscard_http_request_db_seconds_count", **route) == 1
    assert moved("sscard_http_request_db_seconds_sum", **route) > 0
    assert moved("sscard_http_request_db_queries_sum", **route) >= 5
    report = {"channel": "hotline", "kind": "temporary", "status": "effective"}
    assert moved("sscard_loss_reports", **report) == 1
    assert moved("sscard_outbox_messages", kind=OutboxKind.WEBHOOK, status="pending") == 1
    assert moved("sscard_outbox_messages", kind=OutboxKind.NOTIFICATION, status="pending") >= 1
    assert value(after, "sscard_outbox_oldest_pending_seconds", kind=OutboxKind.WEBHOOK) >= 0


def test_status_lookups_count_under_their_route_with_their_status_class(
    api: ApiCaller, make_token: Callable[..., str], card: Card
) -> None:
    token = make_token("cards:verify", name="hospital-pos")
    before = scrape()

    for _ in range(3):
        assert api.get(f"/cards/{card.number}/status", token=token).status_code == 200
    assert api.get("/cards/A0000000X/status", token=token).status_code in (404, 422)
    assert api.get(f"/cards/{card.number}/status").status_code == 401
    after = scrape()

    def moved(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    route = {"route": STATUS_ROUTE, "method": "GET"}
    assert moved("sscard_http_requests_total", status="2xx", **route) == 3
    assert moved("sscard_http_requests_total", status="4xx", **route) == 2
    assert moved("sscard_http_request_duration_seconds_count", **route) == 5


def test_an_address_no_route_matches_counts_as_unmatched() -> None:
    before = scrape()
    Client().get(f"/nothing/{ID_NUMBER}")
    after = scrape()

    labels = {"route": "unmatched", "method": "GET", "status": "4xx"}
    assert (
        value(after, "sscard_http_requests_total", **labels)
        - value(before, "sscard_http_requests_total", **labels)
        == 1
    )


def test_sign_in_codes_sent_not_matched_and_refused_are_counted(card: Card) -> None:
    def ask(phone: str) -> int:
        return (
            Client()
            .post(
                "/api/v1/auth/otp",
                data={"social_security_number": ID_NUMBER, "phone": phone},
                content_type="application/json",
                REMOTE_ADDR="198.51.100.20",
            )
            .status_code
        )

    before = scrape()
    answers = [ask(PHONE), ask("13900139000"), ask(PHONE), ask(PHONE)]
    after = scrape()

    def moved(outcome: str) -> float:
        labels = {"purpose": "sign_in", "outcome": outcome}
        return value(after, "sscard_signin_codes_total", **labels) - value(
            before, "sscard_signin_codes_total", **labels
        )

    # Three requests per number from one address in ten minutes: the fourth is refused.
    assert answers == [202, 202, 202, 429]
    assert (moved("sent"), moved("no_match"), moved("refused")) == (2, 1, 1)


def test_a_pin_locked_by_wrong_pins_is_counted_and_the_card_shows_as_locked(
    card: Card, bank_clerk: Any, django_capture_on_commit_callbacks: Any
) -> None:
    before = scrape()

    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(6):
            with pytest.raises(DomainError):
                verify_pin(actor=bank_clerk, card=card, pin="000000")
    after = scrape()

    assert (
        value(after, "sscard_pin_locks_total", channel="bank")
        - value(before, "sscard_pin_locks_total", channel="bank")
        == 1
    )
    assert value(after, "sscard_cards_pin_locked") - value(before, "sscard_cards_pin_locked") == 1


def test_delivery_times_worker_heartbeat_and_readiness(card: Card) -> None:
    assert value(scrape(), "sscard_worker_heartbeat_age_seconds") == float("inf")
    now = clock.now()
    beat("worker-1", started_at=now - dt.timedelta(seconds=30))
    message = OutboxMessage.objects.create(
        kind=OutboxKind.WEBHOOK,
        topic="card.lost",
        bank=card.bank,
        subject=card.person,
        created_at=now - dt.timedelta(seconds=40),
        next_attempt_at=now - dt.timedelta(seconds=40),
        status=OutboxStatus.DELIVERED,
        delivered_at=now - dt.timedelta(seconds=20),
    )
    assert message.delivered_at is not None

    samples = scrape()

    assert 0 <= value(samples, "sscard_worker_heartbeat_age_seconds") < 60
    bucket = "sscard_outbox_delivery_seconds_bucket"
    assert value(samples, bucket, kind="webhook", le="15.0") == 0
    assert value(samples, bucket, kind="webhook", le="30.0") == 1
    assert value(samples, bucket, kind="webhook", le="+Inf") == 1
    gsum = value(samples, "sscard_outbox_delivery_seconds_gsum", kind="webhook")
    assert gsum == pytest.approx(20, abs=0.01)
    assert value(samples, "sscard_readiness_check", check="worker") == 1
    assert value(samples, "sscard_readiness_check", check="database") == 1


# ---------------------------------------------------------------- nothing personal


def test_no_card_number_id_number_or_phone_appears_in_the_scrape(
    api: ApiCaller, make_token: Callable[..., str], card: Card, holder: Person
) -> None:
    token = make_token("cards:verify,persons:read,loss:report", name="everything")
    api.get(f"/cards/{card.number}/status", token=token)
    api.get(f"/persons/{ID_NUMBER}", token=token)
    api.get(f"/persons/{ID_NUMBER}/cards", token=token)
    api.post(
        "/loss-reports",
        {
            "kind": "temporary",
            "channel": "hotline",
            "social_security_number": ID_NUMBER,
            "reporter": {"social_security_number": ID_NUMBER, "name": "王建国", "relation": "self"},
        },
        token=token,
    )
    Client().post(
        "/api/v1/auth/otp",
        data={"social_security_number": ID_NUMBER, "phone": PHONE},
        content_type="application/json",
    )
    Client().get(f"/cards/{card.number}/renew/?phone={PHONE}")
    Client().get(f"/{ID_NUMBER}/{PHONE}")

    text = Client().get("/metrics").content.decode()

    for personal in (card.number, ID_NUMBER, PHONE, "王建国"):
        assert personal not in text
    label_values = {
        label
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        for name, label in sample.labels.items()
        if name != "le"  # a histogram's bounds
    }
    assert "/api/v1/cards/<card_number>/status" in label_values
    assert [v for v in label_values if re.search(r"\d{4,}", v)] == []


# ---------------------------------------------------------------- the documents


def _names_in(expression: str) -> set[str]:
    return set(re.findall(r"\bsscard_[a-z0-9_]+", expression))


def test_the_dashboard_and_the_alerts_name_only_metrics_a_scrape_has() -> None:
    dashboard = json.loads((DOCS / "grafana-dashboard.json").read_text())
    rules = yaml.safe_load((DOCS / "alerts.yml").read_text())
    Client().get("/healthz")  # so that every request metric has a series
    text = Client().get("/metrics").content.decode()
    # A sample's name, or a family's that has no sample in an empty database.
    scraped = {name for name, _ in parse(text)} | set(re.findall(r"^# TYPE (\S+)", text, re.M))

    panel_exprs = [
        target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])
    ]
    alert_exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]

    assert len(panel_exprs) >= 8 and len(alert_exprs) >= 6
    used = set().union(*(_names_in(e) for e in panel_exprs + alert_exprs))
    assert used and used <= scraped, sorted(used - scraped)
    alerts = {rule["alert"] for group in rules["groups"] for rule in group["rules"]}
    assert len(alerts) == len(alert_exprs)


def test_every_metric_a_scrape_has_is_documented() -> None:
    Client().get("/healthz")
    documented = (DOCS / "metrics.md").read_text()
    families = {
        family.name
        for family in text_string_to_metric_families(Client().get("/metrics").content.decode())
        if family.name.startswith("sscard_")
    }

    assert families
    assert {f for f in families if f"`{f}" not in documented} == set()


# ---------------------------------------------------------------- gunicorn's processes


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, ""


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads worker pids in /proc")
@pytest.mark.django_db(transaction=True)
def test_gunicorn_workers_are_summed_in_one_scrape(tmp_path: Path) -> None:
    """Two worker processes each answer requests while the other is stopped (SIGSTOP), then
    one of them exits: a scrape, whichever process answers it, counts every request."""
    directory = tmp_path / "prometheus"
    directory.mkdir()
    (directory / "counter_999999.db").write_bytes(b"left from an earlier run")
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url(),
        "SSCARD_VAR_DIR": str(tmp_path),
        "PROMETHEUS_MULTIPROC_DIR": str(directory),
        # A stopped worker beats no heartbeat: the arbiter must not replace it meanwhile.
        "SSCARD_WORKER_TIMEOUT": "600",
    }
    stopped: list[int] = []
    with gunicorn(environment, tmp_path / "gunicorn.log", workers=2, ready=None) as server:

        def healthz() -> int:
            return _get(f"{server.base}/healthz")[0]

        def workers() -> list[int]:
            return _workers(server.process.pid)

        try:
            wait_until("two workers", lambda: len(workers()) == 2, output=server.output)
            first, second = workers()
            for pid in (first, second):
                os.kill(pid, signal.SIGSTOP)
                stopped.append(pid)
                # Only the other worker accepts connections now.
                assert [healthz() for _ in range(5)] == [200] * 5, server.output()
                os.kill(pid, signal.SIGCONT)
                stopped.remove(pid)
            os.kill(first, signal.SIGTERM)
            wait_until(
                "the first worker to exit", lambda: first not in workers(), output=server.output
            )
            assert not (directory / "counter_999999.db").exists()

            status, text = _get(f"{server.base}/metrics")
            assert status == 200, server.output()
            samples = parse(text)
            labels = {"route": "/healthz", "method": "GET", "status": "2xx"}
            assert value(samples, "sscard_http_requests_total", **labels) == 10
            assert value(samples, "sscard_business_metrics_ok") == 1
        finally:
            for pid in stopped:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGCONT)

"""`sscard worker` killed (SIGKILL) in the middle of a run of deliveries, then started again.

Loss reports leave a webhook to the card's bank and a notice to the holder by SMS and e-mail
for each. The bank's endpoint and the SMS gateway are real HTTP servers that answer slowly,
the mail server a real SMTP server, so the kill lands with deliveries done, one in hand and
others waiting. After the restart everything is delivered, nothing is lost, and at most the
one delivery in hand at the kill is sent twice, with the same event id (at least once).

Runs in both runs: the worker claims its messages through each database's own locking.
"""

from __future__ import annotations

import signal
from collections import Counter
from pathlib import Path

import pytest

from sscard.cards.services import report_loss
from sscard.notifications.models import OutboxKind, OutboxMessage, OutboxStatus
from tests.factories import BankFactory, make_card, make_person
from tests.faults.support import wait_until, worker
from tests.process_support import database_url
from tests.receivers import http_receiver, plain_body, smtp_server

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "whsec_faults_worker_5e4d3c2b1a09"
REPORTS = 8
KILL_AFTER = 6  # deliveries seen by the receivers before the kill


def delivered() -> int:
    return OutboxMessage.objects.filter(status=OutboxStatus.DELIVERED).count()


def test_a_worker_killed_mid_batch_loses_nothing(hotline, tmp_path: Path):
    with (
        http_receiver(delay_each=0.15) as bank_side,
        http_receiver(delay_each=0.15) as gateway,
        smtp_server() as (mailbox, smtp_port),
    ):
        bank = BankFactory.create(webhook_url=bank_side.url, webhook_secret=SECRET)
        references = []
        for _ in range(REPORTS):
            holder = make_person(age=30)
            card = make_card(person=holder, bank=bank)
            outcome = report_loss(
                actor=hotline, card=card, kind="temporary", reporter=holder, relation="self"
            )
            references.append(outcome.report.reference)
        messages = OutboxMessage.objects.count()
        assert messages == 2 * REPORTS

        def seen() -> int:
            return len(bank_side.received) + len(gateway.received) + len(mailbox.messages)

        with worker(
            database_url(),
            tmp_path,
            "--interval=0.1",
            "--recover-every=0.2",
            "--no-sweep",
            # A try lasts at most 2 s a channel, the lease 5 s: a killed worker's message
            # waits 5 s for the next one.
            SSCARD_WEBHOOK_TIMEOUT_SECONDS="2",
            SSCARD_SMS_TIMEOUT_SECONDS="2",
            EMAIL_TIMEOUT="2",
            SSCARD_OUTBOX_LEASE_SECONDS="5",
            SSCARD_OUTBOX_RECOVER_AFTER_SECONDS="0",
            SSCARD_WEBHOOK_BACKOFF_SECONDS="0.1",
            SSCARD_SMS_BACKEND="http",
            SSCARD_SMS_URL=gateway.url,
            EMAIL_BACKEND="smtp",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=str(smtp_port),
            SSCARD_WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8,::1/128",
        ) as workers:
            first = workers.start()
            wait_until("deliveries under way", lambda: seen() >= KILL_AFTER, output=workers.output)
            first.send_signal(signal.SIGKILL)
            first.wait(30)
            assert delivered() < messages

            workers.start()
            wait_until(
                "every message delivered", lambda: delivered() == messages, output=workers.output
            )

    webhooks = set(
        OutboxMessage.objects.filter(kind=OutboxKind.WEBHOOK).values_list("id", flat=True)
    )
    event_ids = Counter(r.json["id"] for r in bank_side.received)
    assert set(event_ids) == {str(pk) for pk in webhooks}
    assert all(r.headers["SSCard-Event-Id"] == r.json["id"] for r in bank_side.received)
    assert all(bank_side.signatures_valid(SECRET))

    def named(texts: list[str]) -> Counter[str]:
        return Counter(ref for text in texts for ref in references if ref in text)

    texts = named([r.json["text"] for r in gateway.received])
    mails = named([plain_body(m) for m in mailbox.messages])
    assert set(texts) == set(mails) == set(references)
    # At least once: a message went twice only when a try of it was cut (the kill) or failed.
    tried_again = {
        str(pk) for pk in OutboxMessage.objects.filter(attempts__gt=1).values_list("id", flat=True)
    } | set(
        OutboxMessage.objects.filter(kind=OutboxKind.NOTIFICATION, attempts__gt=1).values_list(
            "payload__reference", flat=True
        )
    )
    sent_twice = {key for counts in (event_ids, texts, mails) for key, n in counts.items() if n > 1}
    assert sent_twice <= tried_again

"""The sweep's one schedule and the jobs the apps register: each scheduled job is registered by
the app that owns it, none runs unscheduled, and a mismatch stops the sweep before any job runs."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from sscard.applications.services.cancellation import lapse_uncollected
from sscard.applications.services.renewal import remind_expiring_cards
from sscard.audit.checkpoints import checkpoint_if_due
from sscard.background.sweep import SCHEDULE, check_schedule
from sscard.calls.services import close_and_forget_calls
from sscard.cards.services import expire_cards, lapse_due_reports, remind_lapsing_reports
from sscard.common import jobs
from sscard.common.jobs import register_job, registered_jobs
from sscard.records.statement_run import resume_stalled_runs


def test_each_app_registers_its_jobs_and_the_schedule_names_each_once() -> None:
    registered = registered_jobs()

    assert sorted(registered) == sorted(SCHEDULE)
    assert len(SCHEDULE) == len(set(SCHEDULE)) == 14
    assert registered["temporary reports lapsed"] is lapse_due_reports
    assert registered["reminders"] is remind_lapsing_reports
    assert registered["uncollected cards lapsed"] is lapse_uncollected
    assert registered["card expiry reminders"] is remind_expiring_cards
    assert registered["cards expired"] is expire_cards
    assert registered["statement runs resumed"] is resume_stalled_runs
    assert registered["voice calls closed and forgotten"] is close_and_forget_calls
    assert registered["audit checkpoint"] is checkpoint_if_due
    assert SCHEDULE[-1] == "audit checkpoint"
    assert check_schedule() == []


def test_a_second_job_under_a_registered_name_is_refused() -> None:
    refused = "two periodic jobs are registered as 'reminders'"
    with pytest.raises(ImproperlyConfigured, match=refused):
        register_job("reminders", expire_cards)

    assert registered_jobs()["reminders"] is remind_lapsing_reports


@pytest.mark.django_db
def test_a_scheduled_job_nobody_registers_stops_the_sweep_before_any_job_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran: list[str] = []

    def lapse() -> int:
        ran.append("temporary reports lapsed")
        return 0

    monkeypatch.delitem(jobs._registered, "cards expired")
    monkeypatch.setitem(jobs._registered, "temporary reports lapsed", lapse)
    monkeypatch.setitem(jobs._registered, "stray", lambda: 0)

    problems = [message.msg for message in check_schedule()]
    with pytest.raises(ImproperlyConfigured):
        call_command("sweep", stdout=StringIO())

    assert problems == [
        "no app registers the job 'cards expired'",
        "the job 'stray' is registered but not scheduled",
    ]
    assert ran == []

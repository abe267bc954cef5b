"""The yearly statement (个人权益记录单): its figures in the PDF's text (never the full ID
number), its QR code and verification code (a changed code refused), the API's two paths through
the records' read model, and the yearly run that tells each person exactly once, also when it
is stopped midway and run again."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import segno
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from sscard.audit.models import AuditEvent
from sscard.background.sweep import run_sweep
from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import DomainError, ErrorCode
from sscard.notifications.messages import render
from sscard.notifications.models import OutboxMessage
from sscard.people.masking import mask_id_number
from sscard.people.models import Person
from sscard.records import statement_run
from sscard.records.booking import book
from sscard.records.feeds import check_records
from sscard.records.models import StatementStatus, YearlyStatement
from sscard.records.selectors import medical_account, pension_account
from sscard.records.statement_run import make_statements, queue_statements, resume_stalled_runs
from sscard.records.statements import statement_of, statement_pdf, verify_statement_code
from tests.conftest import ApiCaller
from tests.factories import make_guardianship, make_person, nothing_changes
from tests.process_support import database_url
from tests.records_support import record

pytestmark = pytest.mark.django_db

YEAR = 2024


def _book(records: list[dict[str, Any]]) -> None:
    checked = check_records(records)
    assert not checked.rejected, checked.rejected
    book([c for _, c in checked.valid], actor=Actor.system(), source="test")


def _year_of_records(person: Person, year: int = YEAR) -> None:
    """A year with a job change in July, a back-paid March, an owed September (pension), and
    medical all year."""
    rows = []
    for month in range(1, 13):
        status = {3: "back_paid", 9: "owed"}.get(month, "paid")
        rows.append(
            record(
                person,
                month=f"{year}-{month:02d}",
                employer=1 if month <= 6 else 2,
                base="8000.00" if month <= 6 else "9500.00",
                status=status,
                paid_on=None if status == "owed" else f"{year}-{month:02d}-15",
            )
        )
        rows.append(
            record(
                person,
                insurance="medical",
                month=f"{year}-{month:02d}",
                employer=1 if month <= 6 else 2,
                base="8000.00" if month <= 6 else "9500.00",
                employer_amount="520.00" if month <= 6 else "617.50",
                individual_amount="160.00" if month <= 6 else "190.00",
            )
        )
    rows.append(record(person, month=f"{year - 1}-12", base="7000.00"))  # last year's December
    _book(rows)


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def holder() -> Person:
    person = make_person(name="王小红")
    _year_of_records(person)
    return person


def test_the_statement_shows_the_months_amounts_and_balances_and_never_the_full_id(
    holder: Person,
) -> None:
    pdf = statement_pdf(holder, YEAR, issued_by="天河区社会保险经办中心")
    text = _text(pdf)
    compact = text.replace(" ", "")

    assert "社会保险个人权益记录单" in compact and str(YEAR) in text
    assert mask_id_number(holder.social_security_number) in text
    assert holder.social_security_number not in text.replace(" ", "")
    assert "王**" in text and "王小红" not in text
    assert "天河区社会保险经办中心" in compact
    for month in range(1, 13):
        assert f"{YEAR}-{month:02d}" in text
    assert "8,000.00" in text and "9,500.00" in text  # bases
    assert "1,280.00" in text and "640.00" in text  # pension: employer's and individual's
    assert "617.50" in text and "190.00" in text  # medical after the job change
    assert "补缴" in compact and "欠缴" in compact
    pension = next(y for y in pension_account(holder).years if y.year == YEAR)
    medical = next(y for y in medical_account(holder).years if y.year == YEAR)
    # 11 months paid (September owed): 6 × 640 + 5 × 760 = 7,640.00, on the 560.00 of 2023's
    # December and its interest at 3.97 % for half a year (11.12).
    assert (pension.opening, pension.credits) == (Decimal("571.12"), Decimal("7640.00"))
    assert pension.interest > 0
    for amount in (pension.opening, pension.credits, pension.interest, pension.closing):
        assert f"{amount:,.2f}" in text
    assert f"{medical.closing:,.2f}" in text
    assert "2.62 %" in text  # the year's announced rate
    # Running totals at the end of the year: 12 months paid in all, the last run of 3.
    assert "累计缴费月数" in compact
    assert "monthspaidinall12" in compact.replace(",", "")
    assert "currentrun3" in compact.replace(",", "")


def test_the_qr_code_carries_the_verification_code_which_verifies(holder: Person) -> None:
    statement = statement_of(holder, YEAR)
    pdf = statement_pdf(holder, YEAR, issued_by="经办中心")
    reader = PdfReader(io.BytesIO(pdf))
    images = reader.pages[0].images
    assert len(images) == 1
    scanned = images[0].image
    assert scanned is not None
    expected_png = io.BytesIO()
    segno.make(statement.code, error="m", micro=False).save(
        expected_png, kind="png", scale=8, border=2
    )
    expected_png.seek(0)
    expected = Image.open(expected_png).convert("1")
    assert scanned.convert("1").tobytes() == expected.tobytes()
    assert statement.code in _text(pdf).replace(" ", "")

    verified = verify_statement_code(statement.code)

    assert (verified.person, verified.year, verified.current) == (holder, YEAR, True)
    assert len(verified.insurances) == 5
    assert holder.social_security_number not in statement.code
    assert verify_statement_code(statement.code.lower()).person == holder  # typed in lower case


def _changed(code: str, index: int) -> str:
    character = code[index]
    other = "0" if character != "0" else "1"
    return code[:index] + other + code[index + 1 :]


def test_a_changed_code_is_refused(holder: Person) -> None:
    code = statement_of(holder, YEAR).code
    reference_at = code.index("-") + 1
    tampered = [
        _changed(code, reference_at),  # another person
        code.replace(f"-{YEAR}-", f"-{YEAR - 1}-"),  # another year
        code[: code.rindex("-") - 3] + _changed(code, code.rindex("-") - 3)[-24:],  # figures
        _changed(code, len(code) - 1),  # the check
        code[:-1],
        "",
        "SS1-not-a-code",
    ]
    for wrong in tampered:
        with pytest.raises(DomainError) as refused:
            verify_statement_code(wrong)
        assert refused.value.code == ErrorCode.STATEMENT_CODE_INVALID, wrong


def test_a_statement_after_a_correction_is_genuine_but_no_longer_current(holder: Person) -> None:
    code = statement_of(holder, YEAR).code
    _book([record(holder, month=f"{YEAR}-09", employer=2, base="9500.00", status="back_paid")])

    verified = verify_statement_code(code)

    assert (verified.person, verified.current) == (holder, False)
    assert verify_statement_code(statement_of(holder, YEAR).code).current


def test_the_command_checks_a_code(holder: Person) -> None:
    out = io.StringIO()
    call_command("records", "verify-statement", statement_of(holder, YEAR).code, stdout=out)
    assert f"genuine: the statement of {YEAR} of person {holder.reference}" in out.getvalue()
    with pytest.raises(CommandError):
        call_command("records", "verify-statement", "SS1-XX", stdout=io.StringIO())


def test_a_year_out_of_range_is_refused(holder: Person) -> None:
    for year in (1989, dt.date.today().year + 1):
        with pytest.raises(DomainError) as refused:
            statement_pdf(holder, year, issued_by="经办中心")
        assert refused.value.code == ErrorCode.STATEMENT_YEAR_INVALID


def test_an_authorised_reader_gets_the_insurances_the_authorisation_covers(
    holder: Person,
) -> None:
    text = _text(statement_pdf(holder, YEAR, issued_by="经办中心", insurances={"pension"}))
    compact = text.replace(" ", "")
    assert "基本养老保险" in compact and "基本医疗保险" not in compact
    assert "617.50" not in text
    code = statement_of(holder, YEAR, insurances={"pension"}).code
    assert verify_statement_code(code).insurances == ("pension",)


# ---------------------------------------------------------------- the API


API_CASES = [
    # (caller, path, status, audited)
    ("holder", "/me/statements/2024.pdf", 200, False),
    ("parent", "/me/statements/2024.pdf?ssn={child}", 200, True),
    ("other", "/me/statements/2024.pdf?ssn={holder}", 404, False),
    ("holder", "/me/statements/1989.pdf", 422, False),
    ("holder", "/persons/{holder}/statements/2024.pdf", 403, False),
    ("records_read", "/persons/{holder}/statements/2024.pdf", 200, True),
    ("records_read", "/persons/{holder}/statements/2999.pdf", 422, False),
    ("without", "/persons/{holder}/statements/2024.pdf", 403, False),
    ("without", "/me/statements/2024.pdf", 403, False),
]


@pytest.mark.parametrize(("caller", "path", "status", "audited"), API_CASES)
def test_the_api_serves_the_statement_through_the_read_model(
    api: ApiCaller,
    holder: Person,
    make_token: Callable[..., str],
    citizen_token: Callable[[Person], str],
    caller: str,
    path: str,
    status: int,
    audited: bool,
) -> None:
    child = make_person(age=10)
    parent = make_person()
    make_guardianship(guardian=parent, ward=child)
    _book([record(child, month=f"{YEAR}-05")])
    people = {"holder": holder, "child": child, "parent": parent, "other": make_person()}
    if caller in people:
        token = citizen_token(people[caller])
    else:
        token = make_token("records:read" if caller == "records_read" else "persons:read")
    url = path.format(**{k: p.social_security_number for k, p in people.items()})
    before = AuditEvent.objects.count()

    answer = api.http.get("/api/v1" + url, headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == status, answer.content
    assert answer["Cache-Control"] == "no-store"
    if status != 200:
        assert answer["Content-Type"] == "application/problem+json"
        assert AuditEvent.objects.count() == before
        return
    assert answer["Content-Type"] == "application/pdf"
    assert answer.content.startswith(b"%PDF")
    subject = child if "ssn=" in path else holder
    text = _text(answer.content)
    assert mask_id_number(subject.social_security_number) in text
    assert subject.social_security_number not in text.replace(" ", "")
    readings = AuditEvent.objects.filter(action="records.read")
    assert readings.count() == (1 if audited else 0)
    if audited:
        assert readings.get().after["what"] == "statement"


# ---------------------------------------------------------------- the yearly run


def _people_with_records(n: int) -> list[Person]:
    people = [make_person() for _ in range(n)]
    _book([record(p, month=f"{YEAR}-{m:02d}") for p in people for m in (1, 2)])
    return people


def _notices(year: int = YEAR) -> dict[int, int]:
    counts: dict[int, int] = {}
    for person_id in OutboxMessage.objects.filter(topic="statement_ready").values_list(
        "recipient_id", flat=True
    ):
        counts[person_id] = counts.get(person_id, 0) + 1
    return counts


def test_the_run_tells_each_person_once_in_their_language() -> None:
    people = _people_with_records(5)
    make_person()  # no records in the year: no statement
    english = people[0]
    english.language = "en"
    english.save(update_fields=["language"])

    queued = queue_statements(year=YEAR, actor=Actor.system(), background=False)
    report = make_statements(YEAR, chunk=2)
    again = queue_statements(year=YEAR, actor=Actor.system(), background=False)
    make_statements(YEAR)

    assert (queued.queued, report.made, report.notified, report.remaining) == (5, 5, 5, 0)
    assert (again.queued, again.remaining) == (0, 0)
    assert _notices() == {p.pk: 1 for p in people}
    rows = YearlyStatement.objects.filter(year=YEAR)
    assert {r.status for r in rows} == {StatementStatus.NOTIFIED}
    assert all(r.digest == statement_of(r.person, YEAR).digest for r in rows)
    message = OutboxMessage.objects.get(recipient=english, topic="statement_ready")
    assert "2024" in render(message.topic, message.payload, "en").text
    assert "记录单" in render(message.topic, message.payload, "zh-hans").text
    assert AuditEvent.objects.filter(action="records.statements_queued").count() == 2


def test_a_run_that_fails_midway_goes_on_and_tells_each_person_exactly_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    people = _people_with_records(9)
    queue_statements(year=YEAR, actor=Actor.system(), background=False)
    calls = {"n": 0}
    real = statement_run.queue_notifications

    def failing(**kwargs: Any) -> list[OutboxMessage]:
        calls["n"] += 1
        if calls["n"] == 5:
            raise OSError("the database went away")
        return real(**kwargs)

    monkeypatch.setattr(statement_run, "queue_notifications", failing)
    with pytest.raises(OSError):
        make_statements(YEAR, chunk=3)
    # The first chunk was told; the second was made, and its notices rolled back with the error.
    statuses = list(YearlyStatement.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == ["notified"] * 3 + ["made"] * 3 + ["pending"] * 3
    assert sum(_notices().values()) == 3

    monkeypatch.setattr(statement_run, "queue_notifications", real)
    report = make_statements(YEAR, chunk=3)

    assert (report.made, report.notified, report.remaining) == (3, 6, 0)
    assert _notices() == {p.pk: 1 for p in people}


def test_the_command_queues_the_run_for_the_worker(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    _people_with_records(3)
    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("records", "statements", "--year", str(YEAR), stdout=out)

    assert "3 statements queued" in out.getvalue()
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("make_statements_task")
    assert not OutboxMessage.objects.filter(topic="statement_ready").exists()

    from sscard.records.tasks import make_statements_task

    assert make_statements_task.call(year=YEAR).startswith(f"{YEAR}: 3 made, 3 notified")
    assert len(_notices()) == 3


def test_the_command_refuses_a_year_out_of_range() -> None:
    with nothing_changes(), pytest.raises(CommandError):
        call_command("records", "statements", "--year", "1900", stdout=io.StringIO())


@pytest.mark.django_db(transaction=True)
def test_a_run_killed_midway_and_run_again_tells_each_person_exactly_once() -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from sscard.audit.services import verify_chain
    from tests.records_support import seed_rates

    seed_rates()
    people = _people_with_records(300)
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, str(root / "manage.py"), "records", "statements"]
    command += ["--year", str(YEAR), "--foreground", "--chunk", "5"]
    env = os.environ | {"DATABASE_URL": database_url(), "PYTHONPATH": str(root)}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=root
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            told = YearlyStatement.objects.filter(status=StatementStatus.NOTIFIED).count()
            if told >= 20:
                break
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    told = YearlyStatement.objects.filter(status=StatementStatus.NOTIFIED).count()
    assert 20 <= told < 300
    assert sum(_notices().values()) == told

    call_command("records", "statements", "--year", str(YEAR), "--foreground", stdout=io.StringIO())

    assert _notices() == {p.pk: 1 for p in people}
    assert verify_chain().ok


# ---------------------------------------------------------------- a run whose task is gone


def _run_tasks() -> list[tuple[str, int]]:
    from django_tasks_db.models import DBTaskResult

    return sorted(
        (status, args["kwargs"]["year"])
        for status, args in DBTaskResult.objects.filter(
            task_path="sscard.records.tasks.make_statements_task"
        ).values_list("status", "args_kwargs")
    )


def _queued_an_hour_ago(people: int) -> list[Person]:
    """A run queued an hour ago whose task is gone (never queued, as a lost one)."""
    queued = _people_with_records(people)
    with clock.frozen_at(clock.now() - dt.timedelta(hours=1)):
        queue_statements(year=YEAR, actor=Actor.system(), background=False)
    return queued


def test_the_sweep_queues_again_a_run_whose_task_is_gone_and_nobody_is_told_twice(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from sscard.records.tasks import make_statements_task

    people = _queued_an_hour_ago(4)
    make_statements(YEAR, limit=2)  # two told, then the run stopped (an hour ago: below)
    YearlyStatement.objects.update(
        made_at=clock.now() - dt.timedelta(hours=1),
        notified_at=clock.now() - dt.timedelta(hours=1),
    )

    with django_capture_on_commit_callbacks(execute=True):
        counts = run_sweep()

    assert counts["statement runs resumed"] == 1
    assert _run_tasks() == [("READY", YEAR)]
    with django_capture_on_commit_callbacks(execute=True):
        assert run_sweep()["statement runs resumed"] == 0  # its task is waiting
    assert make_statements_task.call(year=YEAR).startswith(f"{YEAR}: 2 made, 2 notified, 0 left")
    assert _notices() == {p.pk: 1 for p in people}
    with django_capture_on_commit_callbacks(execute=True):
        assert run_sweep()["statement runs resumed"] == 0  # nothing left
    assert _run_tasks() == [("READY", YEAR)]


def test_a_task_taken_by_a_worker_that_is_gone_is_marked_interrupted_and_queued_again(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from django_tasks_db.models import DBTaskResult

    from sscard.records.tasks import make_statements_task

    _queued_an_hour_ago(2)
    make_statements_task.enqueue(year=YEAR)
    taken = DBTaskResult.objects.get()
    taken.claim("gone-worker")
    DBTaskResult.objects.filter(pk=taken.pk).update(
        started_at=timezone.now() - dt.timedelta(minutes=5)
    )

    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_runs() == 0  # taken five minutes ago: its worker may be at it

    DBTaskResult.objects.filter(pk=taken.pk).update(
        started_at=timezone.now() - dt.timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_runs() == 1

    taken.refresh_from_db()
    assert (taken.status, taken.traceback) == ("FAILED", statement_run.INTERRUPTED)
    assert taken.task_result.errors[0].exception_class is statement_run.RunInterrupted
    assert _run_tasks() == [("FAILED", YEAR), ("READY", YEAR)]


def test_a_run_that_moves_or_whose_task_waits_is_left_alone(
    django_capture_on_commit_callbacks: Any,
) -> None:
    from sscard.records.tasks import make_statements_task

    _queued_an_hour_ago(3)
    make_statements(YEAR, limit=1)  # just now: a run going on in the foreground
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_runs() == 0
    assert _run_tasks() == []

    with clock.frozen_at(clock.now() + dt.timedelta(hours=1)):
        make_statements_task.enqueue(year=YEAR)  # waiting for a worker, however long
        with django_capture_on_commit_callbacks(execute=True):
            assert resume_stalled_runs() == 0
    assert _run_tasks() == [("READY", YEAR)]


def test_a_stalled_run_waits_as_long_as_the_setting_says(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _queued_an_hour_ago(1)
    settings.STATEMENT_RUN_STALLED_AFTER_SECONDS = 2 * 3600
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_runs() == 0
    settings.STATEMENT_RUN_STALLED_AFTER_SECONDS = 1800
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_stalled_runs() == 1
    assert _run_tasks() == [("READY", YEAR)]


def test_a_rare_character_in_a_name_is_drawn_from_the_whole_font() -> None:
    """The common font (GB 2312) lacks 堃; the statement then embeds from the whole font."""
    from sscard.common.pdf import common_font, font_path

    common = common_font(font_path())
    assert common is not None and ord("堃") not in common[1] and ord("广") in common[1]
    person = make_person()
    rare = record(person, month=f"{YEAR}-02")
    rare["employer"]["name"] = "广州堃元科技有限公司"
    _book([rare])

    text = _text(statement_pdf(person, YEAR, issued_by="经办中心")).replace(" ", "")

    assert "广州堃元科技有限公司" in text

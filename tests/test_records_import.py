"""`sscard records import FILE…`: CSV (UTF-8 and GB18030) and JSON lines, streamed and booked
in chunks, each bad line rejected with its line number and reason, and an import stopped midway
going on from its checkpoint to end with every record exactly once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import ErrorCode
from sscard.people.models import Person
from sscard.records import booking, imports
from sscard.records.imports import CSV_COLUMNS, examine, import_file
from sscard.records.models import ContributionRecord, ContributionVersion, RecordImport
from tests.factories import make_person
from tests.process_support import database_url
from tests.records_support import (
    credit_code,
    record,
    seed_rates,
    with_a_wrong_check_character,
)

pytestmark = pytest.mark.django_db


def _csv_row(r: dict[str, Any]) -> list[str]:
    def amount(value: Any) -> str:
        return str(value["amount"]) if isinstance(value, dict) else str(value)

    return [
        r["social_security_number"],
        r["insurance"],
        r["month"],
        r["employer"]["name"],
        r["employer"]["credit_code"],
        amount(r["base"]),
        amount(r["employer_amount"]),
        amount(r["individual_amount"]),
        r["status"],
        r["paid_on"] or "",
    ]


def write_csv(path: Path, rows: list[list[str]], *, encoding: str = "utf-8") -> Path:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    writer.writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding))
    return path


def _months(n: int) -> list[str]:
    return [f"{2015 + m // 12}-{m % 12 + 1:02d}" for m in range(n)]


def _future() -> str:
    nxt = (clock.today().replace(day=28) + dt.timedelta(days=5)).replace(day=1)
    return f"{nxt:%Y-%m}"


def test_a_csv_file_is_imported_and_each_bad_line_is_reported_with_its_reason(
    tmp_path: Path,
) -> None:
    _import_a_file_with_bad_lines(tmp_path)


@pytest.mark.django_db(transaction=True)
def test_the_same_report_when_imported_outside_a_transaction(tmp_path: Path) -> None:
    """The command's own case: no caller's transaction around the import. On PostgreSQL the
    next chunk is then read and checked by a reader thread on its own connection while the
    last is booked; every line must come out as when read one chunk after the other."""
    seed_rates()  # an earlier transactional test's flush removed the base limits
    _import_a_file_with_bad_lines(tmp_path)


def _import_a_file_with_bad_lines(tmp_path: Path) -> None:
    person = make_person()
    good = [_csv_row(record(person, month=m)) for m in _months(4)]
    bad_code = record(person, month="2020-01")
    bad_code["employer"]["credit_code"] = with_a_wrong_check_character(credit_code(1))
    rows = [
        good[0],
        ["only", "three", "fields"],  # line 3: malformed
        _csv_row(record("110105199001010023", month="2020-02")),  # line 4: unknown person
        good[1],
        _csv_row(record(person, month=_future())),  # line 6
        _csv_row(record(person, month="2020-03", employer_amount="-1.00")),  # line 7
        _csv_row(record(person, month="2020-04", base="100.00")),  # line 8
        _csv_row(bad_code),  # line 9
        good[2],
        good[3],
    ]
    path = write_csv(tmp_path / "2024-03.csv", rows)

    report = import_file(path, actor=Actor.system(), chunk=3)

    assert (report.created, report.replaced, report.unchanged, report.rejected) == (4, 0, 0, 6)
    reasons = {
        line: [(e["field"], e["code"]) for e in errors] for line, errors in report.rejections()
    }
    assert reasons == {
        3: [("", ErrorCode.MALFORMED_RECORD)],
        4: [("social_security_number", ErrorCode.UNKNOWN_PERSON)],
        6: [("month", ErrorCode.MONTH_IN_FUTURE)],
        7: [("employer_amount", ErrorCode.NEGATIVE_AMOUNT)],
        8: [("base", ErrorCode.BASE_OUTSIDE_LIMITS)],
        9: [("employer.credit_code", ErrorCode.INVALID_CREDIT_CODE)],
    }
    assert ContributionRecord.objects.filter(person=person).count() == 4


def test_a_gb18030_file_is_recognised_and_read_as_such(tmp_path: Path) -> None:
    person = make_person()
    row = _csv_row(record(person))
    row[3] = "广州市天河区珠江新城餐饮管理有限公司"
    path = write_csv(tmp_path / "gbk.csv", [row], encoding="gb18030")

    assert examine(path).encoding == "gb18030"
    report = import_file(path, actor=Actor.system())

    assert report.created == 1
    stored = ContributionRecord.objects.select_related("employer").get(person=person)
    assert stored.employer.name == "广州市天河区珠江新城餐饮管理有限公司"


def test_a_utf8_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    person = make_person()
    path = write_csv(tmp_path / "bom.csv", [_csv_row(record(person))], encoding="utf-8-sig")

    assert examine(path).encoding == "utf-8-sig"
    assert import_file(path, actor=Actor.system()).created == 1


def test_the_encoding_can_be_named(tmp_path: Path) -> None:
    person = make_person()
    row = _csv_row(record(person))
    row[3] = "越秀区某某有限公司"
    path = write_csv(tmp_path / "named.txt", [row], encoding="gb18030")

    report = import_file(path, actor=Actor.system(), file_format="csv", encoding="gb18030")

    assert report.created == 1


def test_a_json_lines_file_is_imported_and_a_bad_line_is_reported(tmp_path: Path) -> None:
    person = make_person()
    lines = [json.dumps(record(person, month=m), ensure_ascii=False) for m in _months(3)]
    lines.insert(1, "{not json")
    lines.insert(3, "")
    path = tmp_path / "batch.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    report = import_file(path, actor=Actor.system())

    assert (report.created, report.rejected) == (3, 1)
    assert [line for line, _ in report.rejections()] == [2]


def test_a_file_imported_whole_is_not_read_again_and_a_corrected_file_replaces(
    tmp_path: Path,
) -> None:
    person = make_person()
    path = write_csv(tmp_path / "a.csv", [_csv_row(record(person, month=m)) for m in _months(3)])
    import_file(path, actor=Actor.system())

    again = import_file(path, actor=Actor.system())
    corrected = write_csv(
        tmp_path / "b.csv",
        [_csv_row(record(person, month=m, base="9000.00")) for m in _months(3)],
    )
    replaced = import_file(corrected, actor=Actor.system())

    assert again.already_imported
    assert (replaced.created, replaced.replaced) == (0, 3)
    assert ContributionVersion.objects.count() == 3


def _people_file(tmp_path: Path, people: list[Person], months: int) -> Path:
    rows = [_csv_row(record(p, month=m)) for p in people for m in _months(months)]
    return write_csv(tmp_path / "big.csv", rows)


def test_an_import_that_fails_midway_goes_on_from_its_checkpoint_and_books_each_record_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [make_person() for _ in range(5)]
    path = _people_file(tmp_path, people, 20)  # 100 records, lines 2-101
    calls = {"n": 0}
    real_book = booking.book

    def failing_book(*args: Any, **kwargs: Any) -> booking.Booked:
        calls["n"] += 1
        if calls["n"] == 4:
            raise OSError("the disk went away")
        return real_book(*args, **kwargs)

    monkeypatch.setattr(imports, "book", failing_book)
    with pytest.raises(OSError):
        import_file(path, actor=Actor.system(), chunk=10)
    state = RecordImport.objects.get()
    assert (state.lines_done, state.created, state.finished_at) == (31, 30, None)
    assert ContributionRecord.objects.count() == 30

    monkeypatch.setattr(imports, "book", real_book)
    report = import_file(path, actor=Actor.system(), chunk=10)

    assert (report.resumed_from, report.created, report.unchanged) == (31, 100, 0)
    assert ContributionRecord.objects.count() == 100
    assert not ContributionVersion.objects.exists()
    assert import_file(path, actor=Actor.system()).already_imported


def test_the_command_imports_the_files_and_prints_the_report(tmp_path: Path) -> None:
    person = make_person()
    good = write_csv(tmp_path / "good.csv", [_csv_row(record(person, month=m)) for m in _months(2)])
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(record(person, month="2020-01", status="lost")) + "\n")
    out = io.StringIO()

    call_command("records", "import", str(good), str(bad), "--no-progress", stdout=out)

    assert out.getvalue().splitlines() == [
        "good.csv: 2 created, 0 replaced, 0 unchanged, 0 rejected",
        "bad.jsonl: 0 created, 0 replaced, 0 unchanged, 1 rejected",
        "  line 1: status: must be one of: paid, owed, back_paid (invalid_status)",
    ]


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_midway_and_run_again_books_every_record_exactly_once(
    tmp_path: Path,
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    from sscard.audit.services import verify_chain
    from tests.records_support import seed_rates

    seed_rates()
    people = [make_person() for _ in range(100)]
    path = _people_file(tmp_path, people, 60)  # 6,000 records, lines 2-6001
    total = 6000
    root = Path(__file__).resolve().parent.parent
    command = [sys.executable, str(root / "manage.py"), "records", "import", str(path)]
    command += ["--chunk", "50", "--no-progress"]
    env = os.environ | {"DATABASE_URL": database_url(), "PYTHONPATH": str(root)}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=root
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            state = RecordImport.objects.first()
            if state is not None and state.lines_done >= 1000:
                break
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    state = RecordImport.objects.get()
    killed_at = state.lines_done
    assert state.finished_at is None and 1000 <= killed_at < total + 1
    assert ContributionRecord.objects.count() == killed_at - 1 == state.created

    report = import_file(path, actor=Actor.system(), chunk=50)

    assert (report.resumed_from, report.created, report.unchanged, report.rejected) == (
        killed_at,
        total,
        0,
        0,
    )
    assert ContributionRecord.objects.count() == total
    assert not ContributionVersion.objects.exists()
    assert verify_chain().ok


def test_a_file_of_unknown_format_is_refused(tmp_path: Path) -> None:
    from sscard.common.errors import DomainError

    path = tmp_path / "batch.txt"
    path.write_text("x\n")

    with pytest.raises(DomainError) as refused:
        import_file(path, actor=Actor.system())
    assert refused.value.code == ErrorCode.UNKNOWN_FORMAT
    assert not RecordImport.objects.exists()


def test_two_imports_of_one_file_do_not_book_the_same_chunk_twice(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sscard.common.errors import DomainError

    people = [make_person() for _ in range(2)]
    path = _people_file(tmp_path, people, 10)  # 20 records
    real_check = imports._check

    def meanwhile(buffer: Any, limits: Any) -> Any:
        # Another process has committed the first chunk while this one was checking it.
        RecordImport.objects.update(lines_done=buffer[-1][0])
        return real_check(buffer, limits)

    monkeypatch.setattr(imports, "_check", meanwhile)
    with pytest.raises(DomainError) as refused:
        import_file(path, actor=Actor.system(), chunk=10)

    assert refused.value.code == ErrorCode.IMPORT_RUNNING
    assert not ContributionRecord.objects.exists()

"""Importing the core system's monthly batch files (`sscard records import FILE…`).

A file is CSV (UTF-8, with or without BOM, or GB18030 as such files really come; detected, or
named) with a header row of the columns in `CSV_COLUMNS`, or JSON lines (one record per line in
the shape of the API's `PUT /contributions`). It is read as a stream, never whole: once to take
its SHA-256 and count its lines (and see whether it is UTF-8), then record by record, booked in
chunks. Each chunk is one transaction that books its records, keeps its rejected lines with
their reasons and moves the file's checkpoint (`RecordImport.lines_done`) to its last line: an
import stopped at any point (a crash, a kill) goes on from the checkpoint when run again, and
ends with every record booked exactly once. A file already imported whole is recognised by its
hash and not read again.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import hashlib
import json
import operator
import queue
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from tqdm import tqdm

from sscard.common import clock
from sscard.common.context import Actor
from sscard.common.errors import Conflict, ErrorCode, ValidationError
from sscard.records.booking import book
from sscard.records.feeds import Contribution, Limits, RecordError, check_records
from sscard.records.models import ImportRejection, RecordImport

CSV_COLUMNS = (
    "social_security_number",
    "insurance",
    "month",
    "employer_name",
    "employer_credit_code",
    "base",
    "employer_amount",
    "individual_amount",
    "status",
    "paid_on",
)
EMPLOYER_COLUMNS = frozenset({"employer_name", "employer_credit_code"})
FORMATS = {".csv": "csv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
ENCODINGS = ("utf-8", "utf-8-sig", "gb18030")
CHUNK = 5000
READ_SIZE = 1 << 20


@dataclass(frozen=True)
class FileFacts:
    sha256: str
    lines: int
    encoding: str


@dataclass
class ImportReport:
    file_name: str
    file_hash: str
    lines: int
    created: int = 0
    replaced: int = 0
    unchanged: int = 0
    rejected: int = 0
    resumed_from: int = 0
    already_imported: bool = False
    import_id: int | None = None

    def rejections(self) -> Iterator[tuple[int, list[dict[str, str]]]]:
        """The rejected lines with their reasons, in order, read as a stream."""
        rows = ImportRejection.objects.filter(file_id=self.import_id).order_by("line")
        yield from rows.values_list("line", "errors").iterator(2000)


def examine(path: Path) -> FileFacts:
    """The file's hash, its number of lines, and its encoding: UTF-8 (a BOM says utf-8-sig)
    if every byte decodes as such, else GB18030. Read in blocks, never whole."""
    digest = hashlib.sha256()
    decoder = codecs.getincrementaldecoder("utf-8")()
    utf8, lines, first, last = True, 0, True, b""
    bom = False
    with path.open("rb") as stream:
        while block := stream.read(READ_SIZE):
            if first:
                bom, first = block.startswith(codecs.BOM_UTF8), False
            digest.update(block)
            lines += block.count(b"\n")
            last = block[-1:]
            if utf8:
                try:
                    decoder.decode(block)
                except UnicodeDecodeError:
                    utf8 = False
    if utf8:
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            utf8 = False
    if last and last != b"\n":
        lines += 1
    encoding = ("utf-8-sig" if bom else "utf-8") if utf8 else "gb18030"
    return FileFacts(digest.hexdigest(), lines, encoding)


def format_of(path: Path, named: str | None) -> str:
    if named:
        return named
    found = FORMATS.get(path.suffix.lower())
    if found is None:
        raise ValidationError(
            f"{path.name}: say whether it is csv or jsonl (--format).",
            code=ErrorCode.UNKNOWN_FORMAT,
        )
    return found


def _malformed(message: str) -> list[RecordError]:
    return [RecordError("", message, ErrorCode.MALFORMED_RECORD)]


Item = tuple[int, dict[str, Any] | list[RecordError]]


def csv_records(path: Path, encoding: str) -> Iterator[Item]:
    """(line, record or errors) for each row after the header; a record's line is its last."""
    with path.open(encoding=encoding, newline="") as stream:
        reader = csv.reader(stream)
        try:
            header = [name.strip().lstrip("\ufeff") for name in next(reader)]
        except StopIteration:
            return
        except csv.Error as exc:
            yield reader.line_num, _malformed(f"the header cannot be read: {exc}")
            return
        missing = [name for name in CSV_COLUMNS if name not in header]
        if missing:
            yield 1, _malformed("the header lacks the columns " + ", ".join(missing))
            return
        # Each record's fields by their place in the row (a column named twice: its last).
        at = {name: n for n, name in enumerate(header)}
        plain = tuple(name for name in CSV_COLUMNS if name not in EMPLOYER_COLUMNS)
        take = operator.itemgetter(*(at[name] for name in plain))
        name_at, code_at = at["employer_name"], at["employer_credit_code"]
        fields = len(header)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield reader.line_num, _malformed(f"the line cannot be read as CSV: {exc}")
                continue
            if not "".join(row).strip():  # an empty line, or only separators
                continue
            if len(row) != fields:
                yield (
                    reader.line_num,
                    _malformed(f"has {len(row)} fields where the header has {fields}"),
                )
                continue
            record: dict[str, Any] = dict(zip(plain, take(row), strict=True))
            record["employer"] = {"name": row[name_at], "credit_code": row[code_at]}
            yield reader.line_num, record


def jsonl_records(path: Path, encoding: str) -> Iterator[Item]:
    with path.open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                record = json.loads(raw.decode(encoding))
            except (UnicodeDecodeError, ValueError) as exc:
                yield number, _malformed(f"the line is not JSON: {exc}")
                continue
            if not isinstance(record, dict):
                yield number, _malformed("a record is an object")
                continue
            yield number, record


def import_file(
    path: Path,
    *,
    actor: Actor,
    file_format: str | None = None,
    encoding: str | None = None,
    chunk: int = CHUNK,
    progress: bool = False,
) -> ImportReport:
    """Import one file from its checkpoint; see the module's docstring."""
    kind = format_of(path, file_format)
    facts = examine(path)
    use = encoding or (facts.encoding if kind == "csv" else "utf-8")
    started = clock.now()
    with transaction.atomic():
        state, _ = RecordImport.objects.get_or_create(
            file_hash=facts.sha256,
            defaults={
                "file_name": path.name[:255],
                "format": kind,
                "encoding": use,
                "started_at": started,
            },
        )
    report = ImportReport(path.name, facts.sha256, facts.lines, resumed_from=state.lines_done)
    if state.finished_at is None:
        items = csv_records(path, use) if kind == "csv" else jsonl_records(path, use)
        with _fewer_collections():
            _run(state, items, facts, actor=actor, chunk=chunk, progress=progress)
    else:
        report.already_imported = True
    state.refresh_from_db()
    report.created, report.replaced = state.created, state.replaced
    report.unchanged, report.rejected = state.unchanged, state.rejected
    report.import_id = state.pk
    return report


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """Python's cycle collector, made to run less often during an import: the thousands of
    records a chunk holds would otherwise set off a collection every few hundred lines, each
    going over every object the process has loaded (measured: over a third of the import's CPU).
    The objects there before the import are set aside (`gc.freeze`), and the young generation
    collected after 50,000 new objects instead of 700: the cycles of an import are still
    collected, its memory stays flat."""
    threshold = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(threshold[0], 50_000), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def _chunks(items: Iterator[Item], done: int, size: int) -> Iterator[list[Item]]:
    """The lines after the checkpoint, `size` at a time."""
    buffer: list[Item] = []
    for pair in items:
        if pair[0] <= done:
            continue
        buffer.append(pair)
        if len(buffer) >= size:
            yield buffer
            buffer = []
    if buffer:
        yield buffer


@dataclass
class CheckedChunk:
    """A chunk checked: its lines, the records to book, the rejected lines' reasons."""

    first: int
    last: int
    valid: list[Contribution]
    rejected: dict[int, list[dict[str, str]]]


def _check(buffer: list[Item], limits: Limits) -> CheckedChunk:
    records = [(line, item) for line, item in buffer if isinstance(item, dict)]
    rejected: dict[int, list[dict[str, str]]] = {
        line: [e.as_dict() for e in item] for line, item in buffer if isinstance(item, list)
    }
    checked = check_records(
        [item for _, item in records], positions=[line for line, _ in records], limits=limits
    )
    for line, errors in checked.rejected:
        rejected[line] = [e.as_dict() for e in errors]
    return CheckedChunk(buffer[0][0], buffer[-1][0], [c for _, c in checked.valid], rejected)


def _run(
    state: RecordImport,
    items: Iterator[Item],
    facts: FileFacts,
    *,
    actor: Actor,
    chunk: int,
    progress: bool,
) -> None:
    limits = Limits()
    done = state.lines_done
    chunks = _chunks(items, done, chunk)
    bar = tqdm(total=facts.lines, unit="line", disable=not progress, initial=done, leave=True)
    try:
        for part in _checked(chunks, limits):
            _commit(state, part, done, actor=actor)
            bar.update(part.last - done)
            done = part.last
        with transaction.atomic():
            RecordImport.objects.filter(pk=state.pk).update(
                finished_at=clock.now(), lines_done=max(done, facts.lines)
            )
    finally:
        bar.close()


def _checked(chunks: Iterator[list[Item]], limits: Limits) -> Iterator[CheckedChunk]:
    """The chunks checked, in order. On PostgreSQL, outside a caller's transaction, the next
    chunk is read and checked by a reader thread on its own connection while this one books the
    last: Python's reading and checking then overlap with the database's writing. Inside a
    transaction the reader could not see what it holds, so the chunks are checked here."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        for buffer in chunks:
            yield _check(buffer, limits)
        return
    yield from _read_ahead(chunks, limits)


_END = object()


def _read_ahead(chunks: Iterator[list[Item]], limits: Limits) -> Iterator[CheckedChunk]:
    ready: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()
    moment = clock.now()  # the reader's day is the import's, even under a moved clock

    def read() -> None:
        try:
            with clock.frozen_at(moment):
                for buffer in chunks:
                    if stop.is_set():
                        return
                    ready.put(_check(buffer, limits))
            ready.put(_END)
        except BaseException as exc:  # handed to the booking side, raised there
            ready.put(exc)
        finally:
            connection.close()  # the reader thread's own connection

    reader = threading.Thread(target=read, name="records-import-reader", daemon=True)
    reader.start()
    try:
        while (item := ready.get()) is not _END:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while reader.is_alive():  # let a reader blocked on a full queue see the stop
            with contextlib.suppress(queue.Empty):
                ready.get(timeout=0.05)
        reader.join()


def _commit(state: RecordImport, part: CheckedChunk, done: int, *, actor: Actor) -> None:
    """One chunk in one transaction: its records, its rejections, the checkpoint."""
    with transaction.atomic():
        current = RecordImport.objects.select_for_update().get(pk=state.pk)
        if current.lines_done != done:
            raise Conflict(
                "Another import of this file is running.",
                code=ErrorCode.IMPORT_RUNNING,
                file=state.pk,
            )
        booked = book(
            part.valid,
            actor=actor,
            source=f"import:{state.pk}",
            detail={"lines": [part.first, part.last]},
        )
        ImportRejection.objects.bulk_create(
            [
                ImportRejection(file=current, line=line, errors=errors)
                for line, errors in part.rejected.items()
            ]
        )
        current.lines_done = part.last
        current.created += booked.created
        current.replaced += booked.replaced
        current.unchanged += booked.unchanged
        current.rejected += len(part.rejected)
        current.save(update_fields=["lines_done", "created", "replaced", "unchanged", "rejected"])

"""The background task of the yearly statements run (`statement_run`), for `sscard worker`.

A task makes and notifies up to TASK_ROWS statements, then queues the next one while rows are
left: the rows hold the state, so a task run twice or late does nothing twice. A task lost with
its worker is queued again by the sweep (`statement_run.resume_stalled_runs`).
"""

from __future__ import annotations

from django_tasks import task


@task()
def make_statements_task(year: int) -> str:
    from sscard.records.statement_run import TASK_ROWS, make_statements

    report = make_statements(year, limit=TASK_ROWS)
    if report.remaining and (report.made or report.notified):
        make_statements_task.enqueue(year=year)
    return f"{year}: {report.made} made, {report.notified} notified, {report.remaining} left"

"""Every list of the console: paginated, searchable, and (for supervisors) exported as CSV with
the same masking as on screen. An export is audited."""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import pgettext, pgettext_lazy

from sscard.applications.models import CardApplication
from sscard.applications.selectors import (
    age_in_days,
    bank_queue,
    intake_queue,
    overdue_applications,
    uncollected_applications,
)
from sscard.audit.models import AuditEvent
from sscard.audit.selectors import search_events
from sscard.cards.models import Card
from sscard.cards.selectors import pin_locked_cards
from sscard.common.spreadsheets import safe_cell
from sscard.console.access import Desk, desk_view, forbidden
from sscard.console.labels import (
    APPLICATION_STATUS,
    APPLICATION_TYPE,
    CHANNEL,
    LOSS_KIND,
    LOSS_STATUS,
    label,
)
from sscard.people.masking import mask_id_number, mask_name
from sscard.staff.recorded_acts import record_export
from sscard.staff.selectors import applications_for, loss_reports_for

PAGE_SIZE = 25


@dataclass(frozen=True)
class Column:
    header: Promise
    value: Callable[[Any], object]
    link: Callable[[Any], str] | None = None


@dataclass(frozen=True)
class Filter:
    name: str
    label: Promise
    choices: list[tuple[str, Any]]

    @classmethod
    def any_of(cls, name: str, label: Promise, labels: Mapping[str, Any]) -> Filter:
        """A filter on one of a vocabulary's values, or on any."""
        return cls(name, label, [("", pgettext_lazy("console", "any")), *labels.items()])


@dataclass
class Listing:
    name: str
    title: Promise
    columns: list[Column]
    rows: QuerySet[Any]
    search_help: Promise
    filters: list[Filter] = field(default_factory=list)
    intro: Promise | str = ""


def _date(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "tzinfo"):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    return f"{value:%Y-%m-%d}"


def holder(person: Any) -> str:
    return f"{mask_name(person.name)} {mask_id_number(person.social_security_number)}"


def _app_link(app: CardApplication) -> str:
    return reverse("console:application", args=[app.number])


def _stream(listing: Listing) -> Iterator[str]:
    class Echo:
        def write(self, value: str) -> str:
            return value

    writer = csv.writer(Echo())
    yield "\ufeff"  # spreadsheets read UTF-8 with a byte order mark
    yield writer.writerow([safe_cell(c.header) for c in listing.columns])
    for row in listing.rows.iterator(chunk_size=2000):
        yield writer.writerow([safe_cell(c.value(row)) for c in listing.columns])


def show(request: HttpRequest, listing: Listing) -> HttpResponseBase:
    desk: Desk = request.desk  # type: ignore[attr-defined]
    chosen = {f.name: request.GET.get(f.name, "") for f in listing.filters}
    if request.GET.get("format") == "csv":
        if not desk.may("export_csv"):
            return forbidden(request, pgettext("console", "Your role cannot export lists."))
        filters = {k: v for k, v in chosen.items() if v}
        if request.GET.get("q"):
            filters["q"] = request.GET["q"][:40]
        record_export(
            actor=desk.actor, list_name=listing.name, rows=listing.rows.count(), filters=filters
        )
        response = StreamingHttpResponse(_stream(listing), content_type="text/csv; charset=utf-8")
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        response["Content-Disposition"] = f'attachment; filename="{listing.name}-{stamp}.csv"'
        return response
    page = Paginator(listing.rows, PAGE_SIZE).get_page(request.GET.get("page"))
    table = [
        [
            (str(column.value(row)), column.link(row) if column.link else "")
            for column in listing.columns
        ]
        for row in page.object_list
    ]
    context = {
        "listing": listing,
        "page": page,
        "table": table,
        "q": request.GET.get("q", ""),
        "chosen": chosen,
    }
    return render(request, "console/list.html", context)


# ---------------------------------------------------------------- applications


def _search_applications(rows: QuerySet[CardApplication], q: str) -> QuerySet[CardApplication]:
    q = q.strip().upper()
    if not q:
        return rows
    return rows.filter(
        Q(number=q)
        | Q(receipt_number=q)
        | Q(new_card__number=q)
        | Q(old_card__number=q)
        | Q(outlet__code=q)
    )


APPLICATION_COLUMNS = [
    Column(pgettext_lazy("console", "Application"), lambda a: a.number, _app_link),
    Column(pgettext_lazy("console", "Type"), lambda a: label("application_type", a.type)),
    Column(pgettext_lazy("console", "Status"), lambda a: label("application_status", a.status)),
    Column(pgettext_lazy("console", "Holder"), lambda a: holder(a.person)),
    Column(pgettext_lazy("console", "Outlet"), lambda a: a.outlet.code),
    Column(pgettext_lazy("console", "Bank"), lambda a: a.bank.code if a.bank else ""),
    Column(pgettext_lazy("console", "Receipt number"), lambda a: a.receipt_number or ""),
    Column(pgettext_lazy("console", "Made"), lambda a: _date(a.created_at)),
    Column(pgettext_lazy("console", "Age (days)"), age_in_days),
    Column(pgettext_lazy("console", "Expected ready"), lambda a: _date(a.expected_ready_on)),
    Column(pgettext_lazy("console", "Collect by"), lambda a: _date(a.collect_by)),
]

# At the bank the age comes first: the queue is worked oldest first.
BANK_QUEUE_COLUMNS = [APPLICATION_COLUMNS[i] for i in (0, 2, 8, 1, 3, 6, 9, 10, 4)]

VIEWS = {
    "overdue": pgettext_lazy("console", "overdue in production"),
    "uncollected": pgettext_lazy("console", "waiting for collection"),
}


@desk_view()
def application_list(request: HttpRequest) -> HttpResponseBase:
    desk: Desk = request.desk  # type: ignore[attr-defined]
    if not (desk.may("view_all_lists") or desk.may("view_outlet_lists")):
        return forbidden(
            request, pgettext("console", "Your role cannot see lists of applications.")
        )
    rows = applications_for(desk.member)
    view = request.GET.get("view", "")
    if view == "overdue":
        rows = rows & overdue_applications()
    elif view == "uncollected":
        rows = rows & uncollected_applications()
    else:
        rows = rows.order_by("-created_at", "-pk")
    for name in ("status", "type"):
        value = request.GET.get(name, "")
        if value:
            rows = rows.filter(**{name: value})
    rows = _search_applications(rows, request.GET.get("q", ""))
    listing = Listing(
        name="applications",
        title=pgettext_lazy("console", "Applications"),
        columns=APPLICATION_COLUMNS,
        rows=rows,
        search_help=pgettext_lazy("console", "Application, receipt, card number or outlet code"),
        filters=[
            Filter(
                "view",
                pgettext_lazy("console", "Show"),
                [("", pgettext_lazy("console", "all")), *VIEWS.items()],
            ),
            Filter.any_of("status", pgettext_lazy("console", "Status"), APPLICATION_STATUS),
            Filter.any_of("type", pgettext_lazy("console", "Type"), APPLICATION_TYPE),
        ],
    )
    return show(request, listing)


@desk_view("record_production")
def bank_queue_list(request: HttpRequest) -> HttpResponseBase:
    desk: Desk = request.desk  # type: ignore[attr-defined]
    bank = desk.member.outlet.bank
    rows = bank_queue(bank) if bank is not None else CardApplication.objects.none()
    status = request.GET.get("status", "")
    if status:
        rows = rows.filter(status=status)
    rows = _search_applications(rows, request.GET.get("q", ""))
    listing = Listing(
        name="bank-queue",
        title=pgettext_lazy("console", "The bank's queue"),
        intro=pgettext_lazy("console", "Open applications of %(bank)s, oldest first.")
        % {"bank": bank.name if bank else "—"},
        columns=BANK_QUEUE_COLUMNS,
        rows=rows,
        search_help=pgettext_lazy("console", "Application, receipt or card number"),
        filters=[Filter.any_of("status", pgettext_lazy("console", "Status"), APPLICATION_STATUS)],
    )
    return show(request, listing)


@desk_view("complete_intake")
def intake_queue_list(request: HttpRequest) -> HttpResponseBase:
    desk: Desk = request.desk  # type: ignore[attr-defined]
    rows = _search_applications(intake_queue(desk.member.outlet), request.GET.get("q", ""))
    listing = Listing(
        name="intakes",
        title=pgettext_lazy("console", "Intakes waiting for a window"),
        intro=pgettext_lazy(
            "console", "Preliminary intakes taken by community committees of this district."
        ),
        columns=[
            Column(pgettext_lazy("console", "Application"), lambda a: a.number, _app_link),
            Column(pgettext_lazy("console", "Need"), lambda a: label("application_type", a.type)),
            Column(pgettext_lazy("console", "Holder"), lambda a: holder(a.person)),
            Column(pgettext_lazy("console", "Taken at"), lambda a: a.outlet.name),
            Column(pgettext_lazy("console", "Made"), lambda a: _date(a.created_at)),
            Column(pgettext_lazy("console", "Age (days)"), age_in_days),
        ],
        rows=rows,
        search_help=pgettext_lazy("console", "Application number or outlet code"),
    )
    return show(request, listing)


# ---------------------------------------------------------------- loss reports and cards


@desk_view()
def loss_report_list(request: HttpRequest) -> HttpResponseBase:
    desk: Desk = request.desk  # type: ignore[attr-defined]
    if not any(
        desk.may(p) for p in ("view_all_lists", "view_outlet_lists", "view_hotline_reports")
    ):
        return forbidden(
            request, pgettext("console", "Your role cannot see lists of loss reports.")
        )
    rows = loss_reports_for(desk.member)
    for name in ("kind", "status", "channel"):
        value = request.GET.get(name, "")
        if value:
            rows = rows.filter(**{name: value})
    q = request.GET.get("q", "").strip().upper()
    if q:
        rows = rows.filter(Q(reference=q) | Q(card__number=q))
    listing = Listing(
        name="loss-reports",
        title=pgettext_lazy("console", "Loss reports"),
        columns=[
            Column(pgettext_lazy("console", "Reference"), lambda r: r.reference),
            Column(pgettext_lazy("console", "Card"), lambda r: r.card.number),
            Column(pgettext_lazy("console", "Holder"), lambda r: holder(r.card.person)),
            Column(pgettext_lazy("console", "Kind"), lambda r: label("loss_kind", r.kind)),
            Column(pgettext_lazy("console", "Status"), lambda r: label("loss_status", r.status)),
            Column(pgettext_lazy("console", "Channel"), lambda r: label("channel", r.channel)),
            Column(pgettext_lazy("console", "Outlet"), lambda r: r.outlet.code if r.outlet else ""),
            Column(pgettext_lazy("console", "Effective from"), lambda r: _date(r.effective_at)),
            Column(pgettext_lazy("console", "Lapses"), lambda r: _date(r.expires_at)),
        ],
        rows=rows,
        search_help=pgettext_lazy("console", "Report reference or card number"),
        filters=[
            Filter.any_of("kind", pgettext_lazy("console", "Kind"), LOSS_KIND),
            Filter.any_of("status", pgettext_lazy("console", "Status"), LOSS_STATUS),
            Filter.any_of("channel", pgettext_lazy("console", "Channel"), CHANNEL),
        ],
    )
    return show(request, listing)


def _card_rows(rows: QuerySet[Card], q: str) -> QuerySet[Card]:
    q = q.strip().upper()
    return rows.filter(number=q) if q else rows


@desk_view("view_all_lists")
def pin_lock_list(request: HttpRequest) -> HttpResponseBase:
    listing = Listing(
        name="pin-locks",
        title=pgettext_lazy("console", "Cards with a locked PIN"),
        intro=pgettext_lazy(
            "console", "Unlocked only at a window or bank outlet with the original ID."
        ),
        columns=[
            Column(pgettext_lazy("console", "Card"), lambda c: c.number),
            Column(pgettext_lazy("console", "Holder"), lambda c: holder(c.person)),
            Column(pgettext_lazy("console", "Bank"), lambda c: c.bank.code if c.bank else ""),
            Column(pgettext_lazy("console", "Wrong PINs"), lambda c: c.wrong_pins),
            Column(pgettext_lazy("console", "Locked since"), lambda c: _date(c.updated_at)),
        ],
        rows=_card_rows(pin_locked_cards(), request.GET.get("q", "")),
        search_help=pgettext_lazy("console", "Card number"),
    )
    return show(request, listing)


# ---------------------------------------------------------------- audit log


def _change(event: AuditEvent) -> str:
    keys = sorted(set(event.before) | set(event.after))
    parts = []
    for key in keys:
        before, after = event.before.get(key), event.after.get(key)
        if before != after:
            parts.append(f"{key}: {before if before is not None else '—'} → {after}")
    return "; ".join(parts)


def _action(code: str) -> str:
    """The action in words, with its code for searching and for the record."""
    words = label("audit_action", code)
    return code if words == code else f"{words} ({code})"


AUDIT_COLUMNS = [
    Column(pgettext_lazy("console", "No."), lambda e: f"{e.bucket}-{e.seq}"),
    Column(pgettext_lazy("console", "When"), lambda e: _date(e.at)),
    Column(pgettext_lazy("console", "Who"), lambda e: e.actor_id),
    Column(pgettext_lazy("console", "Role"), lambda e: label("role", e.actor_role)),
    Column(pgettext_lazy("console", "Outlet"), lambda e: e.outlet_code),
    Column(pgettext_lazy("console", "Channel"), lambda e: label("channel", e.channel)),
    Column(pgettext_lazy("console", "Action"), lambda e: _action(e.action)),
    Column(pgettext_lazy("console", "Object"), lambda e: f"{e.object_type} {e.object_id}"),
    Column(pgettext_lazy("console", "Change"), _change),
]


def audit_listing(request: HttpRequest) -> Listing:
    rows = search_events(
        q=request.GET.get("q", ""),
        action=request.GET.get("action", ""),
        actor_id=request.GET.get("actor", ""),
    )
    return Listing(
        name="audit-log",
        title=pgettext_lazy("console", "Audit log"),
        columns=AUDIT_COLUMNS,
        rows=rows,
        search_help=pgettext_lazy(
            "console", "Object key (card, application, report number) or action"
        ),
        filters=[
            Filter(
                "action",
                pgettext_lazy("console", "Action"),
                [
                    ("", pgettext_lazy("console", "any")),
                    ("loss_report.", pgettext_lazy("console", "loss reports")),
                    ("card.", pgettext_lazy("console", "cards")),
                    ("application.", pgettext_lazy("console", "applications")),
                    ("person.", pgettext_lazy("console", "personal data and identity checks")),
                    ("staff.", pgettext_lazy("console", "staff")),
                    ("list.", pgettext_lazy("console", "exports")),
                ],
            )
        ],
    )

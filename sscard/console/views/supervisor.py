"""The supervisor's dashboard and the audit log with its chain check."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import pgettext
from django.views.decorators.http import require_POST

from sscard.applications.selectors import (
    count_by_status,
    median_days_receipt_to_collection,
    overdue_applications,
    uncollected_applications,
)
from sscard.audit.selectors import events_per_day
from sscard.cards.expiring import expiring_by_district
from sscard.cards.selectors import loss_reports_per_day, pin_locked_cards
from sscard.common import clock
from sscard.common.charts import horizontal_bars, stacked_days
from sscard.console.access import Desk, desk_view
from sscard.console.labels import CHANNEL, label
from sscard.console.views.lists import audit_listing, show
from sscard.staff.recorded_acts import verify_audit_chain

DAYS = 30
MEDIAN_OVER_DAYS = 90


@desk_view("view_dashboard")
def dashboard(request: HttpRequest) -> HttpResponse:
    today = clock.today()
    days = [today - dt.timedelta(days=n) for n in range(DAYS - 1, -1, -1)]
    per_day = loss_reports_per_day(first=days[0], last=days[-1])
    channels = [c for c in CHANNEL if any((day, c) in per_day for day in days)]
    loss_series = [(str(CHANNEL[c]), [per_day.get((day, c), 0) for day in days]) for c in channels]
    locks = events_per_day(action="card.pin_locked", first=days[0], last=days[-1])
    lock_series = [(str(pgettext("console", "PIN locks")), [locks.get(day, 0) for day in days])]
    statuses = count_by_status()
    since = clock.now() - dt.timedelta(days=MEDIAN_OVER_DAYS)
    context = {
        "days": days,
        "loss_chart": stacked_days(days, loss_series),
        "loss_table": [(day, [v[i] for _n, v in loss_series]) for i, day in enumerate(days)],
        "loss_channels": [name for name, _v in loss_series],
        "loss_total": sum(sum(v) for _n, v in loss_series),
        "lock_chart": stacked_days(days, lock_series, height=160),
        "lock_table": [(day, locks.get(day, 0)) for day in days],
        "lock_total": sum(locks.values()),
        "status_bars": horizontal_bars(
            [(label("application_status", s), n) for s, n in statuses.items()]
        ),
        "median_days": median_days_receipt_to_collection(since=since),
        "median_over": MEDIAN_OVER_DAYS,
        "overdue": overdue_applications().count(),
        "uncollected": uncollected_applications().count(),
        "uncollected_30": uncollected_applications()
        .filter(collect_by__lt=today + dt.timedelta(days=30))
        .count(),
        "pin_locked": pin_locked_cards().count(),
        "expiring": expiring_by_district(today),
    }
    return render(request, "console/dashboard.html", context)


@desk_view("view_audit_log")
def audit_log(request: HttpRequest) -> HttpResponseBase:
    listing = audit_listing(request)
    return show(request, listing)


@desk_view("view_audit_log")
@require_POST
def verify(request: HttpRequest) -> HttpResponse:
    desk: Desk = request.desk  # type: ignore[attr-defined]
    report = verify_audit_chain(actor=desk.actor)
    chains, points = report.chains, report.checkpoints
    if report.ok:
        messages.success(
            request,
            pgettext(
                "console",
                "The audit chain is intact: %(n)s events and %(c)s signed checkpoints verified.",
            )
            % {"n": chains.checked, "c": points.checked},
        )
    elif not chains.ok:
        messages.error(
            request,
            pgettext(
                "console",
                "The audit chain is broken at event %(seq)s: %(reason)s (%(n)s events verified "
                "before it).",
            )
            % {"seq": chains.broken_at, "reason": chains.reason, "n": chains.checked},
        )
    else:
        messages.error(
            request,
            pgettext(
                "console",
                "The audit checkpoints are broken at checkpoint %(number)s: %(reason)s (every "
                "event's chain holds; %(c)s checkpoints verified before it).",
            )
            % {"number": points.broken_at, "reason": points.reason, "c": points.checked},
        )
    return HttpResponseRedirect(reverse("console:audit"))

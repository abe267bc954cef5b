"""Find an outlet without signing in: by service, kind and district, nearest first from where
the person is, with opening hours and "open now", on a list and on a plan."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sscard.common.errors import DomainError
from sscard.outlets.selectors import FoundOutlet, find_outlets, get_district, parse_near
from sscard.portal.errors import add_domain_error
from sscard.portal.forms import OutletForm
from sscard.portal.outlet_plan import draw_outlet_plan
from sscard.portal.views.htmx import whole_page

SHOWN = 20  # outlets listed before "show all"
ON_PLAN = 12


def outlets(request: HttpRequest) -> HttpResponse:
    form = OutletForm(request.GET)
    found: list[FoundOutlet] = []
    centre: tuple[float, float] | None = None
    located = False
    district = None
    if form.is_valid():
        data = form.cleaned_data
        try:
            near = parse_near(data["near"]) if data["near"].strip() else None
            district = get_district(data["region"]) if data["region"] else None
            centre = near or ((district.lat, district.lon) if district else None)
            located = near is not None
            found = find_outlets(
                service=data["service"] or None,
                type=data["type"] or None,
                region=data["region"] or None,
                near=centre,
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        if data.get("open_now"):
            found = [f for f in found if f.open_now]
    show_all = request.GET.get("all") == "1"
    shown = found if show_all else found[:SHOWN]
    context = {
        "form": form,
        "found": shown,
        "total": len(found),
        "more": len(found) - len(shown),
        "plan": draw_outlet_plan(shown[:ON_PLAN], centre),
        "located": located,
        "district": district,
        "query": request.GET.urlencode(),
    }
    if not request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/outlets.html", context)
    if form.errors:
        # The errors belong next to the fields and in the summary: swap the whole page body.
        return whole_page(request, "portal/outlets.html", context)
    return render(request, "portal/_outlet_results.html", context)

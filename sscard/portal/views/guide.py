"""How to reissue a lost card, without signing in: a few questions, then the exact steps,
documents, fee, time, nearest outlets and legal basis, all from the regional policy."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from sscard.applications.selectors import ReissueGuide, reissue_guide
from sscard.common.errors import DomainError
from sscard.outlets.selectors import get_district, parse_near
from sscard.portal import labels
from sscard.portal.errors import add_domain_error
from sscard.portal.forms import GuideForm
from sscard.portal.views.htmx import whole_page


def guide(request: HttpRequest) -> HttpResponse:
    asked = any(name in request.GET for name in ("who", "what", "bank", "region", "near"))
    form = GuideForm(request.GET if asked else None)
    answer: ReissueGuide | None = None
    district = None
    if asked and form.is_valid():
        data = form.cleaned_data
        try:
            near = parse_near(data["near"]) if data["near"].strip() else None
            district = get_district(data["region"]) if data["region"] else None
            answer = reissue_guide(
                damaged=data["what"] == "damaged",
                for_child=data["who"] == "child",
                region=district.code if district else "",
                near=near or ((district.lat, district.lon) if district else None),
            )
        except DomainError as exc:
            add_domain_error(form, exc)
    context = {
        "form": form,
        "answer": answer,
        "district": district,
        "bank": form.cleaned_data.get("bank") if answer else None,
        "documents": (
            labels.documents(answer.documents, for_ward=answer.for_child) if answer else []
        ),
        "documents_other": (
            labels.documents(answer.documents_other_guardian, for_ward=True) if answer else []
        ),
    }
    # While the questions are being answered (htmx, on each change), an unfinished form shows
    # no errors yet: they appear when the person asks for the steps.
    if not request.htmx:  # type: ignore[attr-defined]
        return render(request, "portal/guide.html", context)
    questions = ("who", "what", "bank")
    if form.errors and not any(name in form.errors for name in questions):
        # Every question answered, yet refused (the location): the errors belong next to the
        # field and in the summary, so the whole page body is swapped.
        return whole_page(request, "portal/guide.html", context)
    return render(request, "portal/_guide_answer.html", context)

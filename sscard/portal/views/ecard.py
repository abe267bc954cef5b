"""My electronic card (or a ward's, for a guardian): get it for the collected card, show its
code full-screen (it refreshes itself before it expires), see the card's status, revoke it."""

from __future__ import annotations

import segno
from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from sscard.cards.selectors import card_status
from sscard.common.errors import DomainError
from sscard.ecard.selectors import ecard_in_force
from sscard.ecard.services import ecard_usable, issue_ecard, make_code, revoke_ecard
from sscard.people.models import Person
from sscard.people.selectors import people_in_reach
from sscard.portal import labels, session
from sscard.portal.errors import add_domain_error
from sscard.portal.session import citizen_required
from sscard.portal.views.common import not_found, posted


def _holder(me: Person, reference: str | None) -> Person | None:
    """Oneself, or a ward in force named by their reference; None for anyone else."""
    if reference is None:
        return me
    return next((p for p in people_in_reach(me) if p.reference == reference), None)


def _page_url(me: Person, holder: Person) -> str:
    if holder.pk == me.pk:
        return reverse("portal:ecard")
    return reverse("portal:ward_ecard", args=[holder.reference])


def _code_context(me: Person, holder: Person) -> dict[str, object]:
    issued = make_code(actor=session.actor(me), holder=holder, acting=me)
    qr = segno.make(issued.code, error="m")
    view = card_status(issued.card_number)
    ecard = ecard_in_force(holder)
    assert ecard is not None
    return {
        "qr": qr.svg_inline(scale=6, border=2, dark="#000", light="#fff"),
        "expires_at": issued.expires_at,
        "expires_ms": int(issued.expires_at.timestamp() * 1000),
        "card_number": issued.card_number,
        "status": labels.label(labels.CARD_STATUS, view.status),
        "usable": ecard_usable(view.status, issuing_region_code=ecard.card.issuing_region_code),
    }


@never_cache
@citizen_required
def ecard(request: HttpRequest, reference: str | None = None) -> HttpResponse:
    me = request.person  # type: ignore[attr-defined]
    holder = _holder(me, reference)
    if holder is None:
        return not_found(request)
    form = forms.Form(posted(request))
    if request.method == "POST" and form.is_valid():
        actor = session.actor(me)
        try:
            if "revoke" in request.POST:
                revoke_ecard(actor=actor, holder=holder, acting=me)
                messages.success(request, _("The electronic card has been revoked."))
            else:
                issue_ecard(actor=actor, holder=holder, acting=me)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect(_page_url(me, holder))
    wards = [p for p in people_in_reach(me) if p.pk != me.pk]
    context: dict[str, object] = {
        "me": me,
        "holder": holder,
        "for_ward": holder.pk != me.pk,
        "wards": wards if holder.pk == me.pk else [],
        "form": form,
        "ecard": ecard_in_force(holder),
        "code_url": (
            reverse("portal:ecard_code")
            if holder.pk == me.pk
            else reverse("portal:ward_ecard_code", args=[holder.reference])
        ),
    }
    if context["ecard"] is not None:
        context.update(_code_context(me, holder))
    return render(request, "portal/ecard.html", context)


@never_cache
@citizen_required
def ecard_code(request: HttpRequest, reference: str | None = None) -> HttpResponse:
    """A fresh code, as the part of the page that the page's script swaps in."""
    me = request.person  # type: ignore[attr-defined]
    holder = _holder(me, reference)
    if holder is None or ecard_in_force(holder) is None:
        return HttpResponse(status=404)
    return render(request, "portal/_ecard_code.html", _code_context(me, holder))

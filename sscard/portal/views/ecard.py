"""My electronic card: get it for my collected card, show its code full-screen (it refreshes
itself before it expires), see the card's status, revoke it."""

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
from sscard.portal import labels, session
from sscard.portal.errors import add_domain_error
from sscard.portal.session import citizen_required
from sscard.portal.views.common import posted


def _code_context(me: Person) -> dict[str, object]:
    issued = make_code(actor=session.actor(me), holder=me, acting=me)
    qr = segno.make(issued.code, error="m")
    view = card_status(issued.card_number)
    ecard = ecard_in_force(me)
    assert ecard is not None
    return {
        "qr": qr.svg_inline(scale=6, border=2, dark="#000", light="#fff"),
        "expires_at": issued.expires_at,
        "expires_ms": int(issued.expires_at.timestamp() * 1000),
        "card_number": issued.card_number,
        "status": labels.label(labels.CARD_STATUS, view.status),
        "usable": ecard_usable(ecard.card, view.status),
    }


@never_cache
@citizen_required
def ecard(request: HttpRequest) -> HttpResponse:
    me = request.person  # type: ignore[attr-defined]
    form = forms.Form(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            if "revoke" in request.POST:
                revoke_ecard(actor=session.actor(me), holder=me, acting=me)
                messages.success(request, _("Your electronic card has been revoked."))
            else:
                issue_ecard(actor=session.actor(me), holder=me, acting=me)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            return redirect(reverse("portal:ecard"))
    context: dict[str, object] = {"me": me, "form": form, "ecard": ecard_in_force(me)}
    if context["ecard"] is not None:
        context.update(_code_context(me))
    return render(request, "portal/ecard.html", context)


@never_cache
@citizen_required
def ecard_code(request: HttpRequest) -> HttpResponse:
    """A fresh code, as the part of the page that the page's script swaps in."""
    me = request.person  # type: ignore[attr-defined]
    if ecard_in_force(me) is None:
        return HttpResponse(status=404)
    return render(request, "portal/_ecard_code.html", _code_context(me))

"""Renewing a card that expires soon (DOMAIN.md sections 3 and 5): the holder, or a guardian
for a ward, asks for the new card online, to pick up at an outlet or by post. What may be done
and on which terms is the domain's (`applications.services.renewal`)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from sscard.applications.services.renewal import pickup_outlets, renew_card, renewal_of
from sscard.cards.models import Card
from sscard.common.errors import DomainError
from sscard.outlets.models import Outlet
from sscard.people.selectors import relation_to
from sscard.portal import session
from sscard.portal.errors import add_domain_error, message_for
from sscard.portal.forms import RenewForm
from sscard.portal.session import citizen_required
from sscard.portal.views.common import card_in_reach, not_found, posted, reached


@citizen_required
@reached(card_in_reach)
def renew(request: HttpRequest, found: Card) -> HttpResponse:
    me = request.person  # type: ignore[attr-defined]
    renewal = renewal_of(found.person, acting=me)
    if renewal.card is None or renewal.card.pk != found.pk:
        return not_found(request)
    outlets = {o.code: o for o in pickup_outlets(found)}
    form = RenewForm(
        posted(request),
        outlets=[(code, f"{o.name} · {o.address}") for code, o in outlets.items()],
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        outlet: Outlet | None = outlets.get(data["outlet"] or "")
        try:
            app = renew_card(
                actor=session.actor(me),
                person=found.person,
                applicant=me,
                relation=relation_to(me, found.person_id),
                outlet=outlet if data["delivery"] == "pickup" else None,
                delivery=data["delivery"],
                mail_address=data["mail_address"] or "",
            )
        except DomainError as exc:
            add_domain_error(form, exc, {"outlet_code": "outlet", "mail_address": "mail_address"})
        else:
            messages.success(
                request,
                _(
                    "Your new card is applied for (application %(number)s). Your card keeps "
                    "working until the new one is activated."
                )
                % {"number": app.number},
            )
            return redirect("portal:application", number=app.number)
    refusal = message_for(renewal.refusal)[1] if renewal.refusal is not None else ""
    context = {"card": found, "renewal": renewal, "form": form, "me": me, "refusal": refusal}
    return render(request, "portal/renew.html", context)

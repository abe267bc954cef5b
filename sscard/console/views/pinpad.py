"""The PIN pad: the holder types the PIN on the customer-facing screen; the clerk's screen only
ever learns whether it worked."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_POST

from sscard.common.errors import DomainError, ErrorCode
from sscard.console.access import Desk, desk_view
from sscard.console.errors import add_refusal, refusal_message
from sscard.console.forms import PinForm
from sscard.console.views.base import refused
from sscard.staff.models import PinPadRequest
from sscard.staff.pin_pads import cancel_pin_pad, enter_pin, pin_pad, pin_pad_open


def _pad(request: HttpRequest, token: str) -> PinPadRequest:
    desk: Desk = request.desk  # type: ignore[attr-defined]
    return pin_pad(member=desk.member, token=token)


def _state(pad: PinPadRequest) -> dict[str, object]:
    refusal = ""
    if pad.refusal_code:
        code = ErrorCode(pad.refusal_code)
        refusal = refusal_message(DomainError(pad.refusal_detail, code=code))
    return {
        "pad": pad,
        "open": pin_pad_open(pad),
        "refusal": refusal,
        "person_url": reverse("console:person", args=[pad.card.person.reference]),
    }


@desk_view()
def wait(request: HttpRequest, token: str) -> HttpResponse:
    try:
        pad = _pad(request, token)
    except DomainError as error:
        return refused(request, refusal_message(error), status=error.status)
    context = _state(pad) | {"token": token}
    return render(request, "console/pinpad_wait.html", context)


@desk_view()
def status(request: HttpRequest, token: str) -> HttpResponse:
    try:
        pad = _pad(request, token)
    except DomainError as error:
        return refused(request, refusal_message(error), status=error.status)
    return render(request, "console/_pinpad_status.html", _state(pad) | {"token": token})


@desk_view()
@require_POST
def cancel(request: HttpRequest, token: str) -> HttpResponse:
    try:
        pad = _pad(request, token)
    except DomainError as error:
        return refused(request, refusal_message(error), status=error.status)
    cancel_pin_pad(pad=pad)
    return HttpResponseRedirect(reverse("console:person", args=[pad.card.person.reference]))


@desk_view()
def pad_page(request: HttpRequest, token: str) -> HttpResponse:
    """What the holder sees: no name, no number but the card's last digits, a keypad."""
    try:
        pad = _pad(request, token)
    except DomainError as error:
        return refused(request, refusal_message(error), status=error.status)
    form = PinForm(request.POST or None)
    status_code = 200
    if request.method == "POST" and pin_pad_open(pad):
        if form.is_valid():
            try:
                enter_pin(
                    pad=pad, pin=form.cleaned_data["pin"], pin_again=form.cleaned_data["pin_again"]
                )
            except DomainError as error:
                add_refusal(form, error)
                status_code = error.status
        else:
            status_code = 422
        # A PIN is never sent back to the browser: the fields are password inputs that do not
        # render their value, and a PIN that worked leaves an empty form behind.
        if not form.errors:
            form = PinForm(None)
        pad.refresh_from_db()
    context = _state(pad) | {"form": form, "token": token}
    return render(request, "console/pinpad.html", context, status=status_code)

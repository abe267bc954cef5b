"""The PIN pad: the holder types the PIN on the customer-facing screen; the clerk's screen only
ever learns whether it worked."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

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

PadView = Callable[[HttpRequest, PinPadRequest, str], HttpResponse]


def _of_a_pad(view: PadView) -> Callable[[HttpRequest, str], HttpResponse]:
    """A view of one of this clerk's PIN pad requests, named by its token; a refusal page when
    there is no such request."""

    @wraps(view)
    def wrapped(request: HttpRequest, token: str) -> HttpResponse:
        desk: Desk = request.desk  # type: ignore[attr-defined]
        try:
            pad = pin_pad(member=desk.member, token=token)
        except DomainError as error:
            return refused(request, refusal_message(error), status=error.status)
        return view(request, pad, token)

    return wrapped


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
@_of_a_pad
def wait(request: HttpRequest, pad: PinPadRequest, token: str) -> HttpResponse:
    context = _state(pad) | {"token": token}
    return render(request, "console/pinpad_wait.html", context)


@desk_view()
@_of_a_pad
def status(request: HttpRequest, pad: PinPadRequest, token: str) -> HttpResponse:
    return render(request, "console/_pinpad_status.html", _state(pad) | {"token": token})


@desk_view()
@require_POST
@_of_a_pad
def cancel(request: HttpRequest, pad: PinPadRequest, token: str) -> HttpResponse:
    cancel_pin_pad(pad=pad)
    return HttpResponseRedirect(reverse("console:person", args=[pad.card.person.reference]))


@desk_view()
@_of_a_pad
def pad_page(request: HttpRequest, pad: PinPadRequest, token: str) -> HttpResponse:
    """What the holder sees: no name, no number but the card's last digits, a keypad."""
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

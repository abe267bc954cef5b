"""The platform's webhooks: a call comes in, keys are pressed, the call's status changes. Each
is signed by the platform (`signatures.signed_webhook`) and keyed by its CallSid."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from sscard.calls.selectors import call_by_sid
from sscard.calls.services import answer_call, end_call
from sscard.voice import menu
from sscard.voice.signatures import signed_webhook, twiml

# The statuses that say the call is over (the platform's status callback).
OVER = frozenset({"completed", "busy", "failed", "no-answer", "canceled"})


def _sid(request: HttpRequest) -> str:
    return request.POST.get("CallSid", "").strip()[:64]


def _keys_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("voice:keys"))


def _bad_request() -> HttpResponse:
    return HttpResponse("CallSid is required.", status=400, content_type="text/plain")


@signed_webhook
def incoming(request: HttpRequest) -> HttpResponse:
    """A call comes in (or the platform asks again): the welcome, or the step it is at."""
    sid = _sid(request)
    if not sid:
        return _bad_request()
    call = answer_call(sid=sid)
    return twiml(str(menu.answer(call, keys_url=_keys_url(request))))


@signed_webhook
def keys(request: HttpRequest) -> HttpResponse:
    """The keys pressed at the call's step (none: the caller let it time out)."""
    sid = _sid(request)
    if not sid:
        return _bad_request()
    call = call_by_sid(sid) or answer_call(sid=sid)
    digits = request.POST.get("Digits", "")[:32]
    return twiml(str(menu.press(call, digits, keys_url=_keys_url(request))))


@signed_webhook
def status(request: HttpRequest) -> HttpResponse:
    """The call's status: once it is over, the call takes no more keys."""
    sid = _sid(request)
    if not sid:
        return _bad_request()
    if request.POST.get("CallStatus", "") in OVER:
        end_call(sid=sid)
    return HttpResponse(status=204)

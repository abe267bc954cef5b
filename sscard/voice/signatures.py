"""The platform signs every webhook: X-Twilio-Signature is the HMAC-SHA1, keyed with the shared
secret (settings.VOICE_AUTH_TOKEN), of the whole URL it requested and the sorted POST
parameters. Behind a TLS proxy the URL signed is the public https one, which Django rebuilds
once the forwarded scheme is believed (`sscard.common.http.ForwardedProtoMiddleware`)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseForbidden
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST
from twilio.request_validator import RequestValidator

SIGNATURE_HEADER = "X-Twilio-Signature"


def sign(url: str, params: dict[str, str], secret: str) -> str:
    """The signature the platform sends with a request to `url` with `params`."""
    return str(RequestValidator(secret).compute_signature(url, params))


def is_signed(request: HttpRequest) -> bool:
    secret = settings.VOICE_AUTH_TOKEN
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not secret or not signature:
        return False
    validator = RequestValidator(secret)
    return bool(validator.validate(request.build_absolute_uri(), request.POST, signature))


def signed_webhook(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """A webhook of the platform: POST only, no CSRF token (the signature stands for it),
    refused with 403 and nothing done unless signed with the shared secret. The menu is off
    (every request refused) while no secret is set."""

    @csrf_exempt
    @require_POST
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not is_signed(request):
            return HttpResponseForbidden("The request is not signed by the platform.")
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        return response

    return wrapped


def twiml(text: str) -> HttpResponse:
    return HttpResponse(text, content_type="text/xml; charset=utf-8")

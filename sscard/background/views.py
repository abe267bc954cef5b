"""`GET /readyz`: 200 when every readiness check passes, else 503; the checks either way."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from sscard.background.readiness import readiness


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    checks = readiness()
    ready = all(c.ok for c in checks)
    return JsonResponse(
        {
            "status": "ready" if ready else "not_ready",
            "checks": {c.name: {"ok": c.ok, **c.facts} for c in checks},
        },
        status=200 if ready else 503,
    )

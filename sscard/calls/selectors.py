"""Reading calls: a running call by the platform's call id, any call by its reference."""

from __future__ import annotations

from sscard.calls.models import Call
from sscard.common.errors import ErrorCode, NotFound


def call_by_sid(sid: str) -> Call | None:
    """The call the platform knows by `sid`, if the menu answered it."""
    return Call.objects.filter(sid=sid).select_related("person", "loss_report").first()


def get_call(reference: str) -> Call:
    """The call an agent opens by the reference it was transferred with."""
    call = (
        Call.objects.filter(reference=str(reference).strip())
        .select_related("person", "loss_report__card")
        .first()
    )
    if call is None:
        raise NotFound("No call with this reference.", code=ErrorCode.CALL_NOT_FOUND)
    return call

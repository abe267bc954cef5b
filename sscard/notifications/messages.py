"""The words of each notification, in the recipient's language (zh-Hans or English).

English is the source text; the Chinese is the `zh_Hans` catalogue in this app's `locale`. The
params are the outbox row's payload: card and application numbers, never ID numbers or names.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from sscard.common import clock

# Sent at once by the sign-in service (`channels.send_sms`), never through the outbox.
SIGN_IN_CODE = "sign_in_code"
CONFIRMATION_CODE = "confirmation_code"


@dataclass(frozen=True)
class Rendered:
    subject: str
    text: str


Params = Mapping[str, Any]


def render(topic: str, params: Params, language: str) -> Rendered:
    """The subject and text of a message; `language` is a Person.language ('zh-hans' or 'en')."""
    try:
        compose = _TOPICS[topic]
    except KeyError:
        raise ValueError(f"no message for topic {topic}") from None
    with translation.override(_known(language)):
        subject, text = compose(params)
        return Rendered(subject=subject, text=text)


def _known(language: str) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


def email_footer(language: str) -> str:
    with translation.override(_known(language)):
        return _(
            "This message was sent automatically by the social security card service. "
            "Please do not reply to it. Questions: call 12333."
        )


# ---------------------------------------------------------------- dates in plain words


def _date(value: str | None) -> str:
    """2026-11-28 -> "28 Nov" / "11月28日"; the year only when it is not this year."""
    if not value:
        return "-"
    day = dt.date.fromisoformat(value[:10])
    if day.year == clock.today().year:
        return dateformat.format(day, pgettext("date in this year", "j M"))
    return dateformat.format(day, pgettext("date in another year", "j M Y"))


def _moment(value: str | None) -> str:
    """An ISO date-time -> "28 Nov 14:30" / "11月28日 14:30", in local time."""
    if not value:
        return "-"
    moment = timezone.localtime(dt.datetime.fromisoformat(value))
    return f"{_date(moment.date().isoformat())} {moment:%H:%M}"


# ---------------------------------------------------------------- one function per topic


def _loss_report_effective(p: Params) -> tuple[str, str]:
    subject = _("Your social security card is blocked")
    if p.get("kind") == "temporary":
        return subject, _(
            "Your social security card %(card)s is blocked until %(until)s (temporary loss "
            "report %(reference)s). If you find the card, you can lift the report. If not, make "
            "a formal (written) loss report at a service window or bank outlet."
        ) % {
            "card": p["card_number"],
            "until": _moment(p.get("expires_at")),
            "reference": p["reference"],
        }
    return subject, _(
        "Your social security card %(card)s is blocked (formal loss report %(reference)s); "
        "the block has no end date. You can now apply for a new card at a service window or "
        "bank outlet."
    ) % {"card": p["card_number"], "reference": p["reference"]}


def _temporary_report_lapsing(p: Params) -> tuple[str, str]:
    return _("Your temporary loss report ends soon"), _(
        "The temporary loss report %(reference)s on your social security card %(card)s ends "
        "on %(until)s. If the card is still lost, make a formal (written) loss report at a "
        "service window or bank outlet before then."
    ) % {
        "card": p["card_number"],
        "until": _moment(p.get("expires_at")),
        "reference": p["reference"],
    }


def _temporary_report_lapsed(p: Params) -> tuple[str, str]:
    values = {"card": p["card_number"], "reference": p.get("reference") or "-"}
    if p.get("card_status") == "cancelled":
        return _("Your social security card is cancelled"), _(
            "The temporary loss report %(reference)s on your social security card %(card)s has "
            "ended and, under the rules of your region, the card is now cancelled. Apply for a "
            "new card at a service window or bank outlet."
        ) % values
    return _("Your temporary loss report has ended"), _(
        "The temporary loss report %(reference)s on your social security card %(card)s has "
        "ended: the card is no longer blocked."
    ) % values


def _loss_report_lifted(p: Params) -> tuple[str, str]:
    return _("Your loss report is lifted"), _(
        "The loss report %(reference)s on your social security card %(card)s is lifted: the "
        "card is no longer blocked. If this was not you, call 12333 at once."
    ) % {"card": p["card_number"], "reference": p["reference"]}


def _receipt_issued(p: Params) -> tuple[str, str]:
    subject = _("Your card application is accepted")
    values = {"number": p["number"], "receipt": p["receipt_number"], "bank": p.get("bank")}
    if p.get("bank"):
        return subject, _(
            "Your card application %(number)s is accepted. Receipt number: %(receipt)s. Take "
            "the receipt and your ID card to %(bank)s to have the card made."
        ) % values
    return subject, _(
        "Your card application %(number)s is accepted. Receipt number: %(receipt)s."
    ) % values


def _bank_accepted(p: Params) -> tuple[str, str]:
    return _("The bank is making your card"), _(
        "The bank has accepted your card application %(number)s. The new card should be ready "
        "around %(date)s; we will tell you when and where to collect it."
    ) % {"number": p["number"], "date": _date(p.get("expected_ready_on"))}


def _production_failed(p: Params) -> tuple[str, str]:
    return _("Your card could not be made"), _(
        "The card for your application %(number)s could not be made. The bank will make it "
        "again; you need not do anything. We will tell you when it is ready."
    ) % {"number": p["number"]}


def _ready_for_collection(p: Params) -> tuple[str, str]:
    return _("Your new card is ready to collect"), _(
        "Your new social security card (application %(number)s) is ready. Collect it with your "
        "ID card at %(outlet)s, %(address)s, by %(date)s. A card not collected by then is "
        "sealed off."
    ) % {
        "number": p["number"],
        "outlet": p.get("outlet_name", ""),
        "address": p.get("address", ""),
        "date": _date(p.get("collect_by")),
    }


def _mailed(p: Params) -> tuple[str, str]:
    values = {
        "number": p["number"],
        "tracking": p.get("tracking_number") or "-",
        "date": _date(p.get("collect_by")),
    }
    if not p.get("collect_by"):  # queued before mailed cards had a day to be brought in by
        return _("Your new card is in the post"), _(
            "Your new social security card (application %(number)s) has been sent by post. "
            "Tracking number: %(tracking)s. When it arrives, activate it at a service window or "
            "bank outlet with your ID card."
        ) % values
    return _("Your new card is in the post"), _(
        "Your new social security card (application %(number)s) has been sent by post. "
        "Tracking number: %(tracking)s. When it arrives, bring it with your ID card to a "
        "service window or bank outlet by %(date)s, where it is recorded as received and "
        "activated. A card not brought in by then is sealed off."
    ) % values


def _collected(p: Params) -> tuple[str, str]:
    return _("You have collected your new card"), _(
        "You have collected your new social security card (application %(number)s). To use "
        "it, activate it and set a PIN at a service window or bank outlet. If this was not "
        "you, call 12333 at once."
    ) % {"number": p["number"]}


def _activated(p: Params) -> tuple[str, str]:
    return _("Your social security card is activated"), _(
        "Your social security card %(card)s is activated and ready to use. If this was not "
        "you, call 12333 at once."
    ) % {"card": p["card_number"]}


def _pin_locked(p: Params) -> tuple[str, str]:
    return _("Your card's PIN is locked"), _(
        "The PIN of your social security card %(card)s is locked after too many wrong tries. "
        "To unlock it, reset the PIN at a service window or bank outlet; bring your ID card."
    ) % {"card": p["card_number"]}


def _dispute_answered(p: Params) -> tuple[str, str]:
    values = {"reference": p["reference"], "month": p.get("month") or "-"}
    if p.get("status") == "corrected":
        return _("Your records dispute is answered"), _(
            "Your dispute %(reference)s about your social insurance record of %(month)s is "
            "answered: the record was checked and corrected. See the answer and your records "
            "in the app, or ask at a service window."
        ) % values
    return _("Your records dispute is answered"), _(
        "Your dispute %(reference)s about your social insurance record of %(month)s is "
        "answered: the record was checked and stands as recorded. See the answer in the app, "
        "or ask at a service window or call 12333."
    ) % values


def _statement_ready(p: Params) -> tuple[str, str]:
    return _("Your social insurance statement is ready"), _(
        "Your personal rights record statement of social insurance for %(year)s is ready. See "
        "or download it in the app or on the web (My records), or ask for it at a service "
        "window. If a record is wrong, you can dispute it there."
    ) % {"year": p["year"]}


def _code_minutes(p: Params) -> int:
    return max(1, int(p.get("minutes") or settings.OTP_TTL_SECONDS // 60))


def _sign_in_code(p: Params) -> tuple[str, str]:
    minutes = _code_minutes(p)
    return _("Your sign-in code"), ngettext(
        "Your sign-in code is %(code)s. It is valid for %(minutes)d minute. Do not tell it to "
        "anyone, not even to our staff.",
        "Your sign-in code is %(code)s. It is valid for %(minutes)d minutes. Do not tell it to "
        "anyone, not even to our staff.",
        minutes,
    ) % {"code": p["code"], "minutes": minutes}


def _confirmation_code(p: Params) -> tuple[str, str]:
    minutes = _code_minutes(p)
    return _("Your confirmation code"), ngettext(
        "Your confirmation code is %(code)s. It is valid for %(minutes)d minute. Do not tell "
        "it to anyone, not even to our staff. If you did not ask for it, call 12333.",
        "Your confirmation code is %(code)s. It is valid for %(minutes)d minutes. Do not tell "
        "it to anyone, not even to our staff. If you did not ask for it, call 12333.",
        minutes,
    ) % {"code": p["code"], "minutes": minutes}


def _card_expiring(p: Params) -> tuple[str, str]:
    return _("Your social security card expires soon"), _(
        "Your social security card %(card)s expires on %(date)s. Renew it online (website or "
        "app) or at a service window or bank outlet. The card keeps working until the new one "
        "is activated."
    ) % {"card": p["card_number"], "date": _date(p.get("expires_on"))}


_TOPICS: dict[str, Callable[[Params], tuple[str, str]]] = {
    "loss_report_effective": _loss_report_effective,
    "temporary_report_lapsing": _temporary_report_lapsing,
    "temporary_report_lapsed": _temporary_report_lapsed,
    "loss_report_lifted": _loss_report_lifted,
    "receipt_issued": _receipt_issued,
    "bank_accepted": _bank_accepted,
    "production_failed": _production_failed,
    "ready_for_collection": _ready_for_collection,
    "mailed": _mailed,
    "collected": _collected,
    "activated": _activated,
    "pin_locked": _pin_locked,
    "dispute_answered": _dispute_answered,
    "statement_ready": _statement_ready,
    "card_expiring": _card_expiring,
    SIGN_IN_CODE: _sign_in_code,
    CONFIRMATION_CODE: _confirmation_code,
}

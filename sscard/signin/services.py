"""Citizen sign-in by a one-time code sent by SMS, shared by the app (API) and the portal.

The code is never stored: only an HMAC keyed with SECRET_KEY, so a copy of the database does
not give away live codes. The answer to a request is the same whether or not the number and
phone belong together, and nobody who lacks the holder's phone can keep the holder from a code:

- every request counts against its client address (an hourly and a daily budget; IPv6 per /64)
  and against its ID number *from that address*: over these the answer is 429, whatever the
  pair, so it tells nothing about the pair, and a stranger spends only their own address's;
- a request whose number and phone match counts against the holder's own quota of codes (per
  ten minutes and per day, per purpose), which caps the texts to one phone. Over it no code
  goes, silently: a visible refusal there would tell that the pair matches;
- a request whose pair does not match counts against the number's mismatch budget, which only
  raises a warning in the log: it never touches the holder's quota.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import logging
import secrets

from django.conf import settings
from django.db import transaction
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

from sscard.audit.services import record_event
from sscard.common import clock
from sscard.common.context import Actor, Channel
from sscard.common.errors import DomainError, ErrorCode, FieldError, ValidationError
from sscard.notifications.channels import ChannelError, render, send_sms
from sscard.partners.models import CitizenToken
from sscard.partners.services import hash_token
from sscard.people.ids import parse_citizen_id
from sscard.people.masking import mask_id_number
from sscard.people.models import CodePurpose, OneTimeCode, Person, new_person_reference
from sscard.signin import signals

log = logging.getLogger(__name__)

CODE_DIGITS = 6


class TooManyRequests(DomainError):
    code = ErrorCode.TOO_MANY_REQUESTS
    status = 429
    title = "Too many requests"


class CodeNotSent(DomainError):
    code = ErrorCode.SMS_NOT_SENT
    status = 503
    title = "The code could not be sent"


class LimitsUnavailable(DomainError):
    """The cache that keeps the rate-limit counters (Redis) does not answer."""

    code = ErrorCode.SERVICE_UNAVAILABLE
    status = 503
    title = "Service unavailable"


class InvalidCode(DomainError):
    code = ErrorCode.INVALID_CODE
    status = 401
    title = "The code is not valid"


def _hash(person_id: int, purpose: str, code: str) -> str:
    message = f"{person_id}:{purpose}:{code}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


def address_bucket(client_address: str) -> str:
    """What a client address is counted as: an IPv4 address alone, an IPv6 address with its
    whole /64 (one subscriber's network: the rest of the address is theirs to change)."""
    try:
        address = ipaddress.ip_address(client_address)
    except ValueError:
        return client_address or "-"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _spend(group: str, value: str, rate: str) -> int:
    """Count one request in a budget; how far past the budget it is (0 or less: within)."""
    try:
        usage = get_usage(
            None,
            group=f"sscard.signin.{group}",
            key=lambda _g, _r: value,
            rate=rate,
            increment=True,
        )
    except (RedisError, OSError) as exc:
        # Without its counters no code is sent (each one costs an SMS), and it is our fault.
        log.error("sign-in rate limits unavailable: %s", type(exc).__name__)
        raise LimitsUnavailable(
            "Codes cannot be sent just now. Please try again in a few minutes."
        ) from None
    if not usage:  # RATELIMIT_ENABLE is off
        return 0
    if usage["should_limit"] and usage["limit"] == 0:  # the cache failed to count
        return 1
    return int(usage["count"]) - int(usage["limit"])


def _check_requester(client_address: str, number: str | None = None) -> None:
    """The budgets of whoever asks, whatever the pair: the address, and the number from it."""
    address = address_bucket(client_address)
    over = [
        _spend("address", address, settings.OTP_RATE_PER_ADDRESS),
        _spend("address-day", address, settings.OTP_DAILY_PER_ADDRESS),
    ]
    if number is not None:
        over.append(_spend("number-address", f"{number}@{address}", settings.OTP_RATE_PER_NUMBER))
    if max(over) > 0:
        raise TooManyRequests("Too many codes were asked for. Please wait and try again.")


def _holder_quota_left(person: Person, purpose: str) -> bool:
    """Count a code for the person; False once their quota (ten minutes, then day) is spent."""
    key = f"{purpose}:{person.pk}"
    if _spend("person", key, settings.OTP_RATE_PER_PERSON) > 0:
        return False
    return _spend("person-day", key, settings.OTP_DAILY_PER_PERSON) <= 0


def _count_mismatch(number: str) -> None:
    if _spend("mismatch", number, settings.OTP_MISMATCH_PER_NUMBER) == 1:
        log.warning(
            "sign-in codes asked for %s with phones that do not match, past %s",
            mask_id_number(number),
            settings.OTP_MISMATCH_PER_NUMBER,
        )


def _told(purpose: str, outcome: str) -> None:
    """Whoever counts code requests hears what became of this one (nothing personal)."""
    signals.code_requested.send(sender=OneTimeCode, purpose=purpose, outcome=outcome)


def _normalise_phone(phone: str) -> str:
    digits = "".join(ch for ch in str(phone or "") if ch.isdigit())
    return digits[-11:] if len(digits) >= 11 else digits


def _send_code(person: Person, purpose: str, *, code_ttl: int) -> None:
    code = f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"
    now = clock.now()
    with transaction.atomic():
        # A new code replaces any earlier one of the same purpose.
        OneTimeCode.objects.filter(person=person, purpose=purpose, used_at__isnull=True).update(
            used_at=now
        )
        OneTimeCode.objects.create(
            person=person,
            purpose=purpose,
            code_hash=_hash(person.pk, purpose, code),
            created_at=now,
            expires_at=now + dt.timedelta(seconds=code_ttl),
        )
    topic = "confirmation_code" if purpose == CodePurpose.CONFIRM else "sign_in_code"
    message = render(topic, {"code": code, "minutes": code_ttl // 60}, person.language)
    try:
        send_sms(phone=person.phone, text=message.text)
    except ChannelError as exc:
        log.warning(
            "one-time code for %s not sent: %s",
            mask_id_number(person.social_security_number),
            exc.error,
        )
        raise CodeNotSent(
            "The code could not be sent just now. Please try again in a few minutes."
        ) from None


def request_sign_in_code(*, social_security_number: str, phone: str, client_address: str) -> str:
    """Send a code when the ID number and phone belong together; say nothing either way.

    Returns what names the sign-in in its second step without the ID number (the portal keeps
    it in the session between the two): the person's reference when the pair matched, else a
    random one of the same shape, so that whoever holds it learns nothing from it.
    """
    number = parse_citizen_id(social_security_number).number
    wanted = _normalise_phone(phone)
    if len(wanted) < 7:
        raise ValidationError(
            "The phone number is not valid.",
            code=ErrorCode.INVALID_PHONE,
            errors=[FieldError("phone", "must be a mobile number")],
        )
    try:
        _check_requester(client_address, number)
    except TooManyRequests:
        _told(CodePurpose.SIGN_IN, signals.REFUSED)
        raise
    person = Person.objects.filter(social_security_number=number).first()
    if person is None or _normalise_phone(person.phone) != wanted:
        _count_mismatch(number)
        log.info("sign-in code not sent: no match for %s", mask_id_number(number))
        _told(CodePurpose.SIGN_IN, signals.NO_MATCH)
        return new_person_reference()
    if not _holder_quota_left(person, CodePurpose.SIGN_IN):
        log.info("sign-in code not sent: quota of %s spent", mask_id_number(number))
        _told(CodePurpose.SIGN_IN, signals.QUOTA_SPENT)
        return person.reference
    try:
        _send_code(person, CodePurpose.SIGN_IN, code_ttl=settings.OTP_TTL_SECONDS)
    except CodeNotSent:
        # Saying that the text failed would say that the pair matched: it is logged, and the
        # citizen asks again.
        _told(CodePurpose.SIGN_IN, signals.NOT_SENT)
        return person.reference
    log.info("sign-in code sent for %s", mask_id_number(number))
    _told(CodePurpose.SIGN_IN, signals.SENT)
    return person.reference


def send_confirmation_code(*, person: Person, client_address: str) -> None:
    """A fresh code before a sensitive action (lifting a loss report online). The person is
    signed in, so their own quota may refuse aloud; sign-in requests never spend it."""
    try:
        _check_requester(client_address)
        if not _holder_quota_left(person, CodePurpose.CONFIRM):
            raise TooManyRequests("Too many codes were asked for. Please wait and try again.")
    except TooManyRequests:
        _told(CodePurpose.CONFIRM, signals.REFUSED)
        raise
    try:
        _send_code(person, CodePurpose.CONFIRM, code_ttl=settings.OTP_TTL_SECONDS)
    except CodeNotSent:
        _told(CodePurpose.CONFIRM, signals.NOT_SENT)
        raise
    _told(CodePurpose.CONFIRM, signals.SENT)


def _use_code(person: Person | None, purpose: str, code: str, *, channel: str = "") -> Person:
    wrong = InvalidCode("The code is wrong or has expired. Ask for a new one.")
    wrong.errors = [FieldError("code", "wrong or expired")]
    if person is None:
        raise wrong
    code = str(code or "").strip()
    with transaction.atomic():
        row = (
            OneTimeCode.objects.select_for_update()
            .filter(person=person, purpose=purpose, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None or row.expires_at <= clock.now() or row.tries >= settings.OTP_MAX_TRIES:
            raise wrong
        if not hmac.compare_digest(row.code_hash, _hash(person.pk, purpose, code)):
            row.tries += 1
            row.save(update_fields=["tries"])
        else:
            row.used_at = clock.now()
            row.save(update_fields=["used_at"])
            if purpose == CodePurpose.SIGN_IN:
                record_event(
                    actor=Actor.citizen(person.pk, channel or Channel.APP),
                    action="person.signed_in",
                    object_type="person",
                    object_id=person.pk,
                    bucket=person.bucket,
                    before={},
                    after={"signed_in": True},
                )
            return person
    raise wrong


def sign_in_with_code(
    *,
    code: str,
    social_security_number: str = "",
    reference: str = "",
    channel: str = Channel.APP,
) -> Person:
    """The person whose latest sign-in code this is, named by the ID number (the app sends it
    again) or by what `request_sign_in_code` returned (the portal); audited with its channel."""
    if reference:
        person = Person.objects.filter(reference=reference).first()
    else:
        number = parse_citizen_id(social_security_number).number
        person = Person.objects.filter(social_security_number=number).first()
    return _use_code(person, CodePurpose.SIGN_IN, code, channel=channel)


def sign_out(*, person: Person, channel: str) -> None:
    """Audited like the sign-in, so the log shows when a session ended by the person's choice."""
    with transaction.atomic():
        record_event(
            actor=Actor.citizen(person.pk, channel),
            action="person.signed_out",
            object_type="person",
            object_id=person.pk,
            bucket=person.bucket,
            before={"signed_in": True},
            after={"signed_in": False},
        )


def revoke_citizen_token(*, token: str, channel: str) -> bool:
    """Sign out of the app: the token stops working at once, and the sign-out is audited like
    the portal's. False when the token was not live (nothing changes then)."""
    with transaction.atomic():
        row = (
            CitizenToken.objects.select_for_update(of=("self",))
            .select_related("person")
            .filter(
                token_hash=hash_token(token), revoked_at__isnull=True, expires_at__gt=clock.now()
            )
            .first()
        )
        if row is None:
            return False
        row.revoked_at = clock.now()
        row.save(update_fields=["revoked_at"])
        sign_out(person=row.person, channel=channel)
    return True


def confirm_with_code(*, person: Person, code: str) -> None:
    _use_code(person, CodePurpose.CONFIRM, code)


def prune_one_time_codes() -> int:
    """Forget codes past their life, used or not (the sweep calls this): none can sign in."""
    deleted, _ = OneTimeCode.objects.filter(expires_at__lte=clock.now()).delete()
    return deleted

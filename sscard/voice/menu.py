"""The menu's steps (DOMAIN.md section 14): the language, the card services, the ID number keyed
in and read back digit by digit, the security question, and then the service chosen: a
temporary loss report confirmed at the end, the status of the card, the progress of the
application. 0 transfers to an agent at any step, and so do three failed tries in one step.

Each webhook brings the keys pressed at the call's current step (kept on the server with the
call, `sscard.calls`); the answer says what the keys did and asks for the next ones. What may be
done is the read models' (`cards.selectors.card_actions`), every act the services'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone
from twilio.twiml.voice_response import VoiceResponse

from sscard.applications.selectors import applications_of
from sscard.calls.models import Call, CallService, Identity, TransferReason
from sscard.calls.services import (
    caller_actor,
    check_caller,
    checked_person,
    record_step,
    report_loss_by_menu,
    transfer_call,
)
from sscard.cards.models import ReporterRelation
from sscard.cards.permissions import REPORT_TEMPORARY
from sscard.cards.person_cards import card_in_hand
from sscard.cards.selectors import card_actions, effective_of
from sscard.common.errors import DomainError, ErrorCode
from sscard.people.ids import parse_citizen_id
from sscard.voice.prompts import (
    APPLICATION_STATUS,
    CARD_STATUS,
    EN,
    LANGUAGES,
    SPOKEN,
    ZH,
    digit_by_digit,
    prompt,
    refusal,
    spoken_date,
    words,
)

LANGUAGE, SERVICES, ID_NUMBER, CONFIRM_ID, SECURITY, CONFIRM_REPORT = (
    "language",
    "services",
    "id_number",
    "confirm_id",
    "security",
    "confirm_report",
)
AGENT = "0"
MAX_TRIES = 3
WAIT_SECONDS = 8

# How each step gathers its keys: one key, or a number finished with # (or the 4 keys asked).
GATHER: dict[str, dict[str, object]] = {
    LANGUAGE: {"num_digits": 1},
    SERVICES: {"num_digits": 1},
    ID_NUMBER: {"finish_on_key": "#"},
    CONFIRM_ID: {"num_digits": 1},
    SECURITY: {"num_digits": 4, "finish_on_key": "#"},
    CONFIRM_REPORT: {"num_digits": 1},
}
SERVICE_KEYS = {
    "1": CallService.REPORT_LOSS,
    "2": CallService.CARD_STATUS,
    "3": CallService.APPLICATION,
}


class Reply:
    """What the menu says to the caller, then the keys it waits for (or the transfer, or the
    end), as TwiML built with the platform's own library."""

    def __init__(self, call: Call, keys_url: str) -> None:
        self.call, self.keys_url = call, keys_url
        self.response = VoiceResponse()
        self.lines: list[tuple[str, str]] = []

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.call.language,) if self.call.language in LANGUAGES else LANGUAGES

    def say_each(self, text: Callable[[str], str]) -> None:
        """Say `text(language)` in the call's language (before it is chosen, in both)."""
        for language in self.languages:
            self.lines.append((text(language), language))

    def say(self, key: str, **params: str) -> None:
        self.say_each(lambda language: prompt(key, language, **params))

    def ask(self, step: str) -> VoiceResponse:
        gather = self.response.gather(
            input="dtmf",
            action=self.keys_url,
            method="POST",
            timeout=WAIT_SECONDS,
            action_on_empty_result=True,
            **GATHER[step],
        )
        for text, language in [*self.lines, *step_prompts(self.call, step)]:
            gather.say(text, language=SPOKEN[language])
        return self.response

    def speak_all(self) -> None:
        for text, language in self.lines:
            self.response.say(text, language=SPOKEN[language])
        self.lines = []

    def hang_up(self) -> VoiceResponse:
        self.say("goodbye")
        self.speak_all()
        self.response.hangup()
        return self.response


def step_prompts(call: Call, step: str) -> list[tuple[str, str]]:
    """The prompt of a step, in the call's language (the first, in both)."""
    if step == LANGUAGE:
        return [(prompt("welcome", ZH), ZH), (prompt("welcome", EN), EN)]
    language = call.language if call.language in LANGUAGES else ZH
    if step == CONFIRM_ID:
        return [(prompt("id_read_back", language, digits=digit_by_digit(call.id_number)), language)]
    if step == CONFIRM_REPORT:
        return [(report_offer(call, language), language)]
    return [(prompt(step, language), language)]


def report_offer(call: Call, language: str) -> str:
    person = checked_person(call)
    card = card_in_hand(person)
    assert card is not None
    answer = card_actions(card, caller_actor(call), person=person, relation=ReporterRelation.SELF)
    until = timezone.localtime(answer.blocked_until_if_reported).date()
    return prompt(
        "report_offer",
        language,
        last4=digit_by_digit(card.number[-4:]),
        until=spoken_date(until, language),
    )


def answer(call: Call, *, keys_url: str) -> VoiceResponse:
    """The menu's answer when the call comes in (or is rung again): the current step asked."""
    reply = Reply(call, keys_url)
    if call.ended:
        return reply.hang_up()
    return reply.ask(call.step)


def press(call: Call, digits: str, *, keys_url: str) -> VoiceResponse:
    """The keys pressed at the call's step: the next step, a failed try, or the transfer."""
    reply = Reply(call, keys_url)
    if call.ended or call.step not in GATHER:
        return reply.hang_up()
    digits = (digits or "").strip()
    try:
        if digits == AGENT:
            return transfer(reply, TransferReason.ASKED)
        if not digits:
            return failed(reply, "no_key")
        return STEPS[call.step](reply, digits)
    except DomainError as error:
        call.refresh_from_db()
        if error.code == ErrorCode.CALL_ENDED or call.ended:
            return Reply(call, keys_url).hang_up()
        # Anything else the domain refuses on the way (a region without its policy, say):
        # said in the caller's words, and an agent takes over.
        code = error.code
        reply = Reply(call, keys_url)
        reply.say_each(lambda language: refusal(code, language))
        return transfer(reply, TransferReason.REFUSED)


def failed(reply: Reply, note: str) -> VoiceResponse:
    """A failed try: said, counted, and the step asked again; the third goes to an agent."""
    call = reply.call
    reply.say(note)
    tries = call.tries + 1
    if tries >= MAX_TRIES:
        return transfer(reply, TransferReason.FAILED_TRIES)
    reply.call = record_step(call, step=call.step, tries=tries)
    return reply.ask(call.step)


def go(reply: Reply, step: str, **keyed: Any) -> VoiceResponse:
    reply.call = record_step(reply.call, step=step, **keyed)
    return reply.ask(step)


def transfer(reply: Reply, reason: str) -> VoiceResponse:
    """To an agent, with the call's reference: said to the caller and carried to the agents'
    line in the X-Call-Reference header, which opens the call on the agent's console."""
    call = transfer_call(reply.call, reason=reason)
    reply.call = call
    reply.say("transfer", reference=digit_by_digit(call.reference))
    reply.speak_all()
    dial = reply.response.dial()
    dial.sip(f"{settings.VOICE_AGENTS}?X-Call-Reference={call.reference}")
    return reply.response


def choose_language(reply: Reply, digits: str) -> VoiceResponse:
    language = {"1": ZH, "2": EN}.get(digits)
    if language is None:
        return failed(reply, "wrong_key")
    return go(reply, SERVICES, language=language)


def choose_service(reply: Reply, digits: str) -> VoiceResponse:
    service = SERVICE_KEYS.get(digits)
    if service is None:
        return failed(reply, "wrong_key")
    if reply.call.identity == Identity.PASSED:
        reply.call = record_step(reply.call, step=SERVICES, service=service)
        return serve(reply)
    return go(reply, ID_NUMBER, service=service)


def key_in_id_number(reply: Reply, digits: str) -> VoiceResponse:
    try:
        number = parse_citizen_id(digits.replace("*", "X")).number
    except DomainError:
        return failed(reply, "id_invalid")
    return go(reply, CONFIRM_ID, id_number=number)


def confirm_id_number(reply: Reply, digits: str) -> VoiceResponse:
    if digits == "1":
        return go(reply, SECURITY, id_confirmed=True)
    if digits == "2":
        return go(reply, ID_NUMBER)
    return failed(reply, "wrong_key")


def answer_security_question(reply: Reply, digits: str) -> VoiceResponse:
    if len(digits) != 4 or not digits.isdigit():
        return failed(reply, "wrong_key")
    try:
        passed = check_caller(reply.call, phone_last4=digits)
    except DomainError as error:
        code = error.code
        reply.say_each(lambda language: refusal(code, language))
        return transfer(reply, TransferReason.IDENTITY)
    reply.call.refresh_from_db()
    if not passed:
        return failed(reply, "identity_failed")
    return serve(reply)


def serve(reply: Reply) -> VoiceResponse:
    """The service chosen, for the caller whose identity passed; then the services again."""
    call = reply.call
    person = checked_person(call)
    card = card_in_hand(person)
    if call.service == CallService.REPORT_LOSS:
        if card is None:
            reply.say("no_card")
            return go(reply, SERVICES)
        refused = card_actions(
            card,
            caller_actor(call),
            person=person,
            relation=ReporterRelation.SELF,
            actions=(REPORT_TEMPORARY,),
        ).refusal(REPORT_TEMPORARY)
        if refused is not None:
            code = refused.code
            reply.say_each(lambda language: refusal(code, language))
            return go(reply, SERVICES)
        return go(reply, CONFIRM_REPORT)
    if call.service == CallService.CARD_STATUS:
        if card is None:
            reply.say("no_card")
        else:
            state = effective_of(card)
            last4 = digit_by_digit(card.number[-4:])
            reply.say_each(
                lambda language: prompt(
                    "card_status",
                    language,
                    last4=last4,
                    status=words(CARD_STATUS, state.status, language),
                )
            )
            if state.lost_until is not None:
                until = timezone.localtime(state.lost_until).date()
                reply.say_each(
                    lambda language: prompt(
                        "card_lost_until", language, until=spoken_date(until, language)
                    )
                )
        return go(reply, SERVICES)
    applications = applications_of(person)
    if not applications:
        reply.say("no_application")
    else:
        newest = applications[0]
        reply.say_each(
            lambda language: prompt(
                "application_status",
                language,
                number=digit_by_digit(newest.number),
                status=words(APPLICATION_STATUS, newest.status, language),
            )
        )
    return go(reply, SERVICES)


def confirm_report(reply: Reply, digits: str) -> VoiceResponse:
    if digits == "2":
        return go(reply, SERVICES)
    if digits != "1":
        return failed(reply, "wrong_key")
    try:
        outcome = report_loss_by_menu(reply.call, at_step=CONFIRM_REPORT)
    except DomainError as error:
        if error.code == ErrorCode.CALL_ENDED:
            raise
        code = error.code
        reply.say_each(lambda language: refusal(code, language))
        reply.call.refresh_from_db()
        return go(reply, SERVICES)
    reply.call.refresh_from_db()
    reply.say("report_made", reference=digit_by_digit(outcome.report.reference))
    return go(reply, SERVICES)


STEPS = {
    LANGUAGE: choose_language,
    SERVICES: choose_service,
    ID_NUMBER: key_in_id_number,
    CONFIRM_ID: confirm_id_number,
    SECURITY: answer_security_question,
    CONFIRM_REPORT: confirm_report,
}

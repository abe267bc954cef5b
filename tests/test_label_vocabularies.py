"""Every label table covers every value of the vocabulary it words, in zh-Hans and English.

A value without words shows its raw code to a clerk or a citizen (`formally_lost`), so each
table is held against its source: the model's choices, the audit actions the services write,
the notification topics they send.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation

from sscard.applications.models import (
    ApplicationStatus,
    ApplicationType,
    Delivery,
    FeeWaiver,
    Production,
    ReplacementReason,
)
from sscard.applications.services.production import NOTIFIED_EVENTS
from sscard.calls.models import CallService, Identity, TransferReason
from sscard.cards.caller_identity import CARD_BANK, PHONE_LAST4
from sscard.cards.models import BankStatus, CardStatus, LossKind, LossStatus, ReporterRelation
from sscard.cards.permissions import CONVERTED, CREATED, EXTENDED, RENEWED
from sscard.cards.services.shared import KNOWN_DOCUMENTS
from sscard.common.context import Channel, Role
from sscard.console import labels as console
from sscard.notifications import messages
from sscard.notifications.services import NOTIFICATION_TOPICS
from sscard.outlets.models import OutletType, Service
from sscard.people.models import GuardianshipBasis, GuardianshipEnd, Relation, Sex
from sscard.people.services import RevealReason
from sscard.portal import labels as portal
from sscard.records.models import DisputeStatus, Insurance, RecordStatus, StatementStatus
from sscard.records.services import DISPUTE_ANSWERED_TOPIC

ROOT = Path(__file__).resolve().parent.parent / "sscard"
CJK = re.compile(r"[\u4e00-\u9fff]")


def both_languages(table: Mapping[str, Any], values: Iterable[str]) -> list[str]:
    """The values the table does not word in both languages (a real zh-Hans, not English)."""
    missing = []
    for value in values:
        if value not in table:
            missing.append(f"{value}: no words")
            continue
        with translation.override("en"):
            english = str(table[value])
        with translation.override("zh-hans"):
            chinese = str(table[value])
        if not english.strip() or CJK.search(english):
            missing.append(f"{value}: no English ({english!r})")
        if chinese == english or not CJK.search(chinese):
            missing.append(f"{value}: no zh-Hans ({chinese!r})")
    return missing


CONSOLE = {
    "card_status": CardStatus.values,
    "bank_status": BankStatus.values,
    "application_status": ApplicationStatus.values,
    "application_type": ApplicationType.values,
    "reason": ReplacementReason.values,
    "fee_waiver": ["", *FeeWaiver.values],
    "production": Production.values,
    "delivery": Delivery.values,
    "loss_kind": LossKind.values,
    "loss_status": LossStatus.values,
    "channel": Channel.values,
    "relation": [*ReporterRelation.values, *Relation.values],
    "basis": GuardianshipBasis.values,
    "end_reason": GuardianshipEnd.values,
    "document": sorted(KNOWN_DOCUMENTS),
    "role": Role.values,
    "outlet_type": OutletType.values,
    "sex": Sex.values,
    "question": [PHONE_LAST4, CARD_BANK],
    "insurance": Insurance.values,
    "record_status": RecordStatus.values,
    "dispute_status": DisputeStatus.values,
    "statement_status": StatementStatus.values,
    "call_service": CallService.values,
    "call_identity": Identity.values,
    "transfer_reason": TransferReason.values,
}


def test_every_console_table_is_held_against_its_vocabulary() -> None:
    assert set(console.GROUPS) == {*CONSOLE, "audit_action"}


@pytest.mark.parametrize("group", sorted(CONSOLE))
def test_the_console_words_every_value(group: str) -> None:
    assert both_languages(console.GROUPS[group], CONSOLE[group]) == []


def test_the_console_words_every_reason_to_reveal_an_id_number() -> None:
    assert both_languages(console.REVEAL_REASON, RevealReason.values) == []


def test_the_console_words_every_permission_of_a_role() -> None:
    from sscard.staff.models import StaffMember

    codenames = [codename for codename, _ in StaffMember._meta.permissions]
    assert both_languages(console.PERMISSION_LABELS, codenames) == []


PORTAL = {
    "CARD_STATUS": (portal.CARD_STATUS, CardStatus.values),
    "BANK_STATUS": (portal.BANK_STATUS, BankStatus.values),
    "APPLICATION_TYPE": (portal.APPLICATION_TYPE, ApplicationType.values),
    "REPLACEMENT_REASON": (portal.REPLACEMENT_REASON, ReplacementReason.values),
    "STEP": (portal.STEP, ApplicationStatus.values),
    "OUTLET_TYPE": (portal.OUTLET_TYPE, OutletType.values),
    "SERVICE": (portal.SERVICE, Service.values),
    "DOCUMENT_WARD": (portal.DOCUMENT_WARD, sorted(KNOWN_DOCUMENTS - {"receipt"})),
    "DOCUMENT_SELF": (portal.DOCUMENT_SELF, ["id_card"]),
    "FEE_WAIVER": (portal.FEE_WAIVER, FeeWaiver.values),
    "RELATION": (portal.RELATION, Relation.values),
    "CHANNEL": (portal.CHANNEL, Channel.values),
    "INSURANCE": (portal.INSURANCE, Insurance.values),
    "RECORD_STATUS": (portal.RECORD_STATUS, RecordStatus.values),
    "DISPUTE_STATUS": (portal.DISPUTE_STATUS, DisputeStatus.values),
    "STATEMENT_STATUS": (portal.STATEMENT_STATUS, StatementStatus.values),
}


@pytest.mark.parametrize("table", sorted(PORTAL))
def test_the_portal_words_every_value(table: str) -> None:
    words, values = PORTAL[table]
    assert both_languages(words, values) == []


# ---------------------------------------------------------------- audit actions


def modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" not in path.parts and "demo" not in path.relative_to(ROOT).parts[:1]:
            yield path, ast.parse(path.read_text(encoding="utf-8"))


def callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def action_arguments(tree: ast.Module) -> Iterator[ast.expr]:
    """The action of every audit event the tree writes: `record_event(action=...)`, and the
    helpers that pass theirs on (`card_event`, `report_event`, the card maker's `_move`)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = callee(node)
        if name in ("record_event", "_move"):
            yield from (k.value for k in node.keywords if k.arg == "action")
        elif name in ("card_event", "report_event") and len(node.args) > 1:
            yield node.args[1]


def record_change_types() -> set[str]:
    found = set()
    for _, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and callee(node) == "record_change":
                for keyword in node.keywords:
                    if keyword.arg == "object_type" and isinstance(keyword.value, ast.Constant):
                        found.add(str(keyword.value.value))
    return found


def audit_actions() -> set[str]:
    """Every action the services write. An action built at run time names its values here."""
    built = {
        "f'application.{app.status}'": {f"application.{s}" for s in ApplicationStatus.values},
        "f'loss_report.{step}'": {
            f"loss_report.{step}" for step in (CREATED, RENEWED, CONVERTED, EXTENDED)
        },
        "f\"{object_type}.{('created' if before is None else 'changed')}\"": {
            f"{kind}.{verb}" for kind in record_change_types() for verb in ("created", "changed")
        },
    }
    actions: set[str] = set()
    for path, tree in modules():
        for argument in action_arguments(tree):
            if isinstance(argument, ast.JoinedStr):
                source = ast.unparse(argument)
                assert source in built, f"{path}: name the values of {source}"
                actions |= built[source]
                continue
            literals = [
                n.value
                for n in ast.walk(argument)
                if isinstance(n, ast.Constant) and isinstance(n.value, str)
            ]
            assert literals or isinstance(argument, ast.Name), ast.unparse(argument)
            actions |= set(literals)
    return actions


def test_the_audit_vocabulary_is_found() -> None:
    actions = audit_actions()
    assert {"card.blocked", "loss_report.renewed", "application.collected"} <= actions
    assert {"person.identity_checked", "person.identity_check_failed"} <= actions
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", action) for action in actions), actions


def test_the_console_words_every_audit_action() -> None:
    assert both_languages(console.AUDIT_ACTION, sorted(audit_actions())) == []


# ---------------------------------------------------------------- notifications


def notified_topics() -> set[str]:
    topics = set(NOTIFIED_EVENTS.values()) | {
        messages.SIGN_IN_CODE,
        messages.CONFIRMATION_CODE,
        DISPUTE_ANSWERED_TOPIC,  # records.services.answer_dispute
    }
    for _, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and callee(node) == "notify":
                for keyword in node.keywords:
                    if keyword.arg == "topic" and isinstance(keyword.value, ast.Constant):
                        topics.add(str(keyword.value.value))
    return topics


def test_every_topic_the_services_send_has_its_message() -> None:
    """Which topics have words in both languages is held by test_delivery_notifications."""
    sent = notified_topics()
    assert sent - {messages.SIGN_IN_CODE, messages.CONFIRMATION_CODE} <= NOTIFICATION_TOPICS
    assert sent <= set(messages._TOPICS)
    assert set(messages._TOPICS) == NOTIFICATION_TOPICS | {
        messages.SIGN_IN_CODE,
        messages.CONFIRMATION_CODE,
    }

"""The API's schemas spell out each vocabulary as a Literal (API.md fixes the values and the
OpenAPI document lists them), apart from the domain's choices they stand for. They must say the
same: a value the domain gained and the API did not would fail an answer's validation, and a
value the API accepts that the domain does not would be refused only deep in a service."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from sscard.api import schemas as s
from sscard.applications.models import (
    ApplicationStatus,
    ApplicationType,
    Delivery,
    Production,
    ReplacementReason,
)
from sscard.applications.permissions import BANK_EVENTS
from sscard.cards.models import BankStatus, CardStatus, LossKind, LossStatus, ReporterRelation
from sscard.cards.services import KNOWN_DOCUMENTS
from sscard.common.context import Channel
from sscard.outlets.models import OutletType, Service
from sscard.people.models import GuardianshipBasis, Language, Relation, Sex


def values(annotation: Any) -> set[str]:
    """The strings of a Literal, or of the Literals in a union (`Literal[...] | None`)."""
    found: set[str] = set()
    for arg in get_args(annotation) or (annotation,):
        if isinstance(arg, str):
            found.add(arg)
        else:
            found |= {a for a in get_args(arg) if isinstance(a, str)}
    return found


def field(schema: type[s.Schema], name: str) -> Any:
    return schema.model_fields[name].annotation


PAIRS = [
    ("document", s.DocumentCode, set(KNOWN_DOCUMENTS)),
    # The system channel is the service's own (the sweep, the command line): no caller names it.
    ("channel", s.ChannelName, set(Channel.values) - {Channel.SYSTEM}),
    ("card status", s.CardStatusName, set(CardStatus.values)),
    ("bank status", s.BankStatusName, set(BankStatus.values)),
    ("application status", s.ApplicationStatusName, set(ApplicationStatus.values)),
    ("outlet type", s.OutletTypeName, set(OutletType.values)),
    ("service", s.ServiceName, set(Service.values)),
    ("guardian's relation", field(s.GuardianIn, "relation"), set(Relation.values)),
    ("guardianship basis", field(s.GuardianIn, "basis"), set(GuardianshipBasis.values)),
    ("language", field(s.PersonIn, "language"), set(Language.values)),
    ("sex", field(s.PersonOut, "sex"), set(Sex.values)),
    ("loss kind", field(s.LossReportIn, "kind"), set(LossKind.values)),
    ("loss report status", field(s.LossReportOut, "status"), set(LossStatus.values)),
    ("reporter's relation", field(s.ReporterIn, "relation"), set(ReporterRelation.values)),
    ("application type", field(s.ApplicationIn, "type"), set(ApplicationType.values)),
    ("replacement reason", field(s.ApplicationIn, "reason"), set(ReplacementReason.values)),
    ("production", field(s.ApplicationIn, "production"), set(Production.values)),
    ("delivery", field(s.ApplicationIn, "delivery"), set(Delivery.values)),
    ("production event", field(s.ProductionEventIn, "type"), set(BANK_EVENTS)),
]


@pytest.mark.parametrize(("literal", "choices"), [p[1:] for p in PAIRS], ids=[p[0] for p in PAIRS])
def test_the_api_says_the_domains_vocabulary(literal, choices):
    assert values(literal) == choices

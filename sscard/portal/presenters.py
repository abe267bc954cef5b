"""The reads a page about someone's cards puts together: for the signed-in person and each
ward, their cards with what may be done online, and their applications. Reads only, through the
domain's selectors; the words are in the templates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from sscard.applications.models import OPEN_STATUSES, ApplicationType, CardApplication
from sscard.applications.selectors import applications_of
from sscard.applications.services.renewal import renewal_of
from sscard.applications.terms import fee_terms
from sscard.cards.models import Card, CardStatus, LossKind, LossReport
from sscard.cards.permissions import CREATED, LIFT, RENEWED
from sscard.cards.person_cards import cards_of
from sscard.cards.selectors import CardActions, Effective, card_actions
from sscard.people.models import Guardianship, Person
from sscard.people.selectors import documents_needed, guardianship, people_in_reach
from sscard.policy.models import RegionalPolicy
from sscard.portal import labels, session

_GONE = frozenset({CardStatus.CANCELLED, CardStatus.EXPIRED})


@dataclass(frozen=True)
class OnlineActions:
    """What the portal offers a person for a card (the holder, or a guardian for a ward): the
    card's read model asked for the person signed in, through the web, in the pages' terms."""

    answer: CardActions  # the read model's answer; its refusals are the services'
    state: Effective
    report: LossReport | None  # the loss report in force, if any (a lapsed one is not)
    policy: RegionalPolicy
    refusal: str  # why this person may not act for the card at all (an error code), or ""
    may_report: bool  # start a temporary loss report
    may_renew: bool  # renew the temporary report in force
    may_lift: bool  # lift the report in force, after a fresh one-time code
    blocked_until_if_reported: dt.datetime  # when a temporary report made now would lapse
    lapse_action: str  # what that lapse does to the card (release or cancel)
    freezes_bank: bool  # whether a report made now freezes the bank account too


def online_actions(card: Card, *, person: Person) -> OnlineActions:
    answer = card_actions(card, session.actor(person), person=person)
    step = answer.report_outcome(LossKind.TEMPORARY)
    return OnlineActions(
        answer=answer,
        state=answer.state,
        report=answer.report,
        policy=answer.policy,
        refusal=answer.standing.code if answer.standing else "",
        may_report=step == CREATED,
        may_renew=step == RENEWED,
        may_lift=answer.may(LIFT),
        blocked_until_if_reported=answer.blocked_until_if_reported,
        lapse_action=answer.lapse_action_if_reported,
        freezes_bank=answer.freezes_bank_if_reported,
    )


@dataclass(frozen=True)
class CardView:
    card: Card
    actions: OnlineActions
    application: CardApplication | None  # the open application this card is part of
    reissue_fee: Decimal
    documents: list[str]  # the originals the holder (or guardian) brings to a counter
    renewal_open: bool = False  # the card expires soon and may be renewed online now

    @property
    def status(self) -> str:
        return self.actions.state.status


@dataclass(frozen=True)
class HolderView:
    person: Person
    is_me: bool
    relation: str  # the guardian's relation to a ward; "" for oneself
    cards: list[CardView]
    earlier: list[Card]
    applications: list[CardApplication]

    @property
    def open_applications(self) -> list[CardApplication]:
        return [a for a in self.applications if a.status in OPEN_STATUSES]


def _acting_link(acting: Person, holder: Person) -> Guardianship | None:
    """The guardianship a guardian acts for a ward under; None for one's own card."""
    return guardianship(acting, holder) if holder.pk != acting.pk else None


def documents_for(holder: Person, acting: Person) -> list[str]:
    link = _acting_link(acting, holder)
    return labels.documents(documents_needed(guardian=link), for_ward=link is not None)


def card_view(card: Card, *, acting: Person, apps: list[CardApplication]) -> CardView:
    actions = online_actions(card, person=acting)
    fee, _waiver = fee_terms(actions.policy, type=ApplicationType.REISSUE, reason="", fee_waiver="")
    touching = [
        a for a in apps if a.status in OPEN_STATUSES and card.pk in (a.old_card_id, a.new_card_id)
    ]
    return CardView(
        card=card,
        actions=actions,
        application=touching[0] if touching else None,
        reissue_fee=fee,
        documents=documents_for(card.person, acting),
        renewal_open=_renewal_open(card, acting),
    )


def _renewal_open(card: Card, acting: Person) -> bool:
    renewal = renewal_of(card.person, acting=acting)
    return renewal.refusal is None and renewal.card is not None and renewal.card.pk == card.pk


def holder_view(holder: Person, *, acting: Person) -> HolderView:
    apps = applications_of(holder)
    cards = list(cards_of(holder, related=("bank", "person")))
    views = [card_view(card, acting=acting, apps=apps) for card in cards]
    current = [v for v in views if v.status not in _GONE] or views[:1]
    link = _acting_link(acting, holder)
    return HolderView(
        person=holder,
        is_me=holder.pk == acting.pk,
        relation=link.relation if link else "",
        cards=current,
        earlier=[v.card for v in views if v not in current],
        applications=apps,
    )


def holders(person: Person) -> list[HolderView]:
    """The signed-in person first, then each ward."""
    return [holder_view(p, acting=person) for p in people_in_reach(person)]

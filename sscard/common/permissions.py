"""What an actor may do with one record now, and why not: the read model behind every write.

A rule is a side-effect-free function of the actor, the record and the action that answers
the refusal (a DomainError with its code) or None. The services ask before they act and raise
the refusal; the interfaces ask which actions to offer and show the same refusal. Rules are
tried in order and the first refusal stands, so a rule of DOMAIN.md joins by being added to its
record's list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from sscard.common.context import Actor
from sscard.common.errors import DomainError

T = TypeVar("T")
Rule = Callable[[Actor, T, str], DomainError | None]


@dataclass(frozen=True)
class Permissions:
    """Per action asked about: absent if the actor may take it now, else the refusal."""

    refusals: Mapping[str, DomainError] = field(default_factory=dict)

    def may(self, action: str) -> bool:
        return action not in self.refusals

    def refusal(self, action: str) -> DomainError | None:
        return self.refusals.get(action)

    def check(self, action: str) -> None:
        refusal = self.refusals.get(action)
        if refusal is not None:
            raise refusal


@dataclass(frozen=True)
class RuleBook(Generic[T]):
    """The rules of one kind of record, and the actions they speak about."""

    actions: tuple[str, ...]
    rules: tuple[Rule[T], ...]

    def judge(self, actor: Actor, record: T, actions: Iterable[str] | None = None) -> Permissions:
        refusals: dict[str, DomainError] = {}
        for action in self.actions if actions is None else actions:
            if action not in self.actions:
                raise ValueError(f"unknown action {action}")
            for rule in self.rules:
                refusal = rule(actor, record, action)
                if refusal is not None:
                    refusals[action] = refusal
                    break
        return Permissions(refusals)

    def check(self, actor: Actor, record: T, action: str) -> None:
        self.judge(actor, record, (action,)).check(action)

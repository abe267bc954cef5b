"""An amount of money with its currency, as fees are computed and shown."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str = "CNY"

    def as_dict(self) -> dict[str, str]:
        return {"amount": f"{self.amount:.2f}", "currency": self.currency}


ZERO = Money(Decimal("0.00"))

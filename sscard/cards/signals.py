"""What the apps above cards may follow, inside the transaction that changed the card.

`card_activated` is sent by `activate_card` under the card's lock, before the transaction
commits: a receiver's writes are part of the activation, or fail it with it.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `card` (the activated Card) and `actor`.
card_activated = Signal()

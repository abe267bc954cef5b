"""What the apps above cards may follow.

`card_activated` is sent by `activate_card` under the card's lock, before the transaction
commits: a receiver's writes are part of the activation, or fail it with it. `pin_locked` is
sent after the commit that locked a PIN: a receiver only counts it.
"""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `card` (the activated Card) and `actor`.
card_activated = Signal()

# Sent with `card` and `channel` (the acting party's) once a wrong PIN has locked the card's PIN
# and that change is committed. Counted by whoever watches (the metrics); nothing personal.
pin_locked = Signal()

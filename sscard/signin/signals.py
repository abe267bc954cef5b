"""What the apps above sign-in may follow: each request for a one-time code and what became of
it. Sent after the answer is decided; it carries no ID number, phone or address, only the
purpose and the outcome, so a receiver can count requests and refusals and nothing more."""

from __future__ import annotations

from django.dispatch import Signal

# Sent with `purpose` (a CodePurpose value) and `outcome`, one of the values below.
code_requested = Signal()

SENT = "sent"  # a code went out by SMS
REFUSED = "refused"  # over the budget of the address or of the number from it (429)
NO_MATCH = "no_match"  # the ID number and phone do not belong together: nothing sent, silently
QUOTA_SPENT = "quota_spent"  # the holder's own quota of codes is spent: nothing sent
NOT_SENT = "not_sent"  # the SMS could not be sent
OUTCOMES = (SENT, REFUSED, NO_MATCH, QUOTA_SPENT, NOT_SENT)

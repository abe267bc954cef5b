"""The self-service terminal (DOMAIN.md section 13): a touch screen at an outlet, enrolled once
by staff, where a holder identified by the ID card or by the card and its PIN reports a loss,
follows a card and an application, changes the PIN, gets a card made where equipped, reads
their records and prints receipts and statements."""

"""The writes on card applications (DOMAIN.md section 5), one module per topic:

- `applying`: an application made at a counter, its terms and the receipt;
- `intake`: a community committee's preliminary intake, and its completion at a window;
- `production`: the bank's events, one handler per event, and instant issuance;
- `collection`: the card handed over (or a mailed one recorded received) at a counter;
- `cancellation`: withdrawal, and the lapse of a card not collected in time (the sweep);
- `steps`: what they share (locks, the audit snapshot, a step of the timeline).

Each service asks `sscard.applications.permissions` before it acts and again under its locks.
"""

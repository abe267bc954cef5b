"""Citizen sign-in (the app and the portal): one-time codes sent by SMS, the budgets that keep
them from being abused, signing out, and the confirmation code before a sensitive action.

It stands above notifications (a code is sent at once, never through the outbox) and partners
(signing out of the app revokes its token). Its rows are `people.OneTimeCode` and
`partners.CitizenToken`.
"""

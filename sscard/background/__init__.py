"""Background work: the worker process (`sscard worker`) and the sweep (`sscard sweep`).

It stands above the domain apps and below nothing they import: it runs the outbox's delivery
(`sscard.notifications.delivery`) and the periodic jobs that the apps register with
`sscard.common.jobs`, in the one order of `sscard.background.sweep.SCHEDULE`.
"""

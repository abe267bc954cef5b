"""Django's own sessions (the portal's and the console's) are forgotten once past their expiry."""

from __future__ import annotations

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore as DbSessionStore
from django.utils import timezone


def prune_expired_sessions() -> int:
    """Django's sessions past their expiry (an abandoned sign-in, a closed browser). Their
    expiry is Django's own clock's, as the session machinery reads it."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if issubclass(store, DbSessionStore):
        expired = store.get_model_class().objects.filter(expire_date__lt=timezone.now())
        deleted, _ = expired.delete()
        return deleted
    store.clear_expired()
    return 0

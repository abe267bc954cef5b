"""Structured logs: what every record carries besides its message, and how it is written.

A request (or a worker's delivery of a message a request caused) opens a log context with
`scope`; whatever is logged inside it carries the context's `request_id`, `actor` and
`channel` (`ContextFilter`, on every handler). The interfaces and the audit log `note_actor`
as soon as they know who acts. Records are written as JSON lines (`JsonFormatter`, the
default in production) or as plain readable lines (`PlainFormatter`, the default in
development); `SSCARD_LOG_FORMAT=json|plain` chooses. Only the fields named here are written,
never a record's other attributes (Django puts the request object on some), and their text is
masked like the message (`sscard.common.logfilter.MaskPersonalData`).

Imported by the settings and by gunicorn's configuration: it imports nothing of Django's apps.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

if TYPE_CHECKING:
    from sscard.common.context import Actor

# What a log context holds; a record's own attribute of the same name wins.
CONTEXT_FIELDS = ("request_id", "actor", "channel")
# Attributes a record may carry (`extra=`) that are written out when set: the access line's
# and the outbox delivery's. Nothing else of a record is written.
EXTRA_FIELDS = (
    "method",
    "route",
    "status",
    "duration_ms",
    "outcome",
    "error_code",
    "outbox_id",
    "topic",
    "attempt",
)
FORMATS = ("json", "plain")

_context: ContextVar[dict[str, str] | None] = ContextVar("sscard_log_context", default=None)


@contextlib.contextmanager
def scope(**fields: str | None) -> Iterator[dict[str, str]]:
    """A fresh log context for one request or one delivery; the previous one comes back after."""
    values = {k: v for k, v in fields.items() if v}
    token = _context.set(values)
    try:
        yield values
    finally:
        _context.reset(token)


def bind(**fields: str | None) -> None:
    """Add to the current log context (nothing outside one)."""
    values = _context.get()
    if values is not None:
        values.update({k: v for k, v in fields.items() if v})


def current(name: str) -> str | None:
    values = _context.get()
    return values.get(name) if values is not None else None


def request_id() -> str | None:
    """The id of the request being served, if any (stored with the outbox and audit rows)."""
    return current("request_id")


def note_actor(actor: Actor) -> None:
    """Who acts, by their non-personal id (a staff user name, an API client's name,
    `person:<key>` for a citizen), and through which channel."""
    bind(actor=actor.id, channel=str(actor.channel))


class ContextFilter(logging.Filter):
    """Puts the log context's fields on every record (None where there is none)."""

    def filter(self, record: logging.LogRecord) -> bool:
        values = _context.get() or {}
        attributes = record.__dict__
        for name in CONTEXT_FIELDS:
            if attributes.get(name) is None:
                attributes[name] = values.get(name)
        return True


def _iso(created: float) -> str:
    return dt.datetime.fromtimestamp(created, tz=dt.UTC).isoformat(timespec="milliseconds")


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per line: time, level, logger, message, the context's fields, and the
    known extra fields that are set; an exception's traceback as `exc_info`. Chinese stays
    readable (no \\u escapes); a value JSON cannot hold is written as its text."""

    # One encoder for every line: json.dumps with options builds a new one each call.
    _encoder = json.JSONEncoder(ensure_ascii=False, default=str)

    def jsonify_log_record(self, log_data: dict[str, Any]) -> str:
        return self._encoder.encode(log_data)

    def add_fields(
        self,
        log_data: dict[str, Any],
        record: logging.LogRecord,
        message_dict: dict[str, Any],
    ) -> None:
        attributes = record.__dict__
        log_data["time"] = _iso(record.created)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        for name in CONTEXT_FIELDS:
            log_data[name] = attributes.get(name)
        for name in EXTRA_FIELDS:
            value = attributes.get(name)
            if value is not None:
                log_data[name] = value
        # The masked traceback (MaskPersonalData leaves it in exc_text), not one made afresh.
        traceback = record.exc_text or message_dict.get("exc_info")
        if traceback:
            log_data["exc_info"] = traceback
        if message_dict.get("stack_info"):
            log_data["stack_info"] = message_dict["stack_info"]


class PlainFormatter(logging.Formatter):
    """`time LEVEL logger message [request_id actor channel]` for a person reading a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def formatMessage(self, record: logging.LogRecord) -> str:
        line = super().formatMessage(record)
        attributes = record.__dict__
        context = [str(attributes[n]) for n in CONTEXT_FIELDS if attributes.get(n)]
        return f"{line} [{' '.join(context)}]" if context else line


def log_format(environ: Mapping[str, str], *, production: bool) -> str:
    """SSCARD_LOG_FORMAT, else JSON in production and plain lines elsewhere."""
    chosen = environ.get("SSCARD_LOG_FORMAT", "").strip().lower()
    if chosen:
        if chosen not in FORMATS:
            raise ValueError(f"SSCARD_LOG_FORMAT must be one of {', '.join(FORMATS)}: {chosen!r}")
        return chosen
    return "json" if production else "plain"


def logging_config(*, log_format: str, level: str, gunicorn_level: str = "INFO") -> dict[str, Any]:
    """The one logging configuration (dictConfig) of Django, `sscard worker`, `sscard sweep`
    and gunicorn's own error log: every handler masks personal data and adds the context."""
    filters = ["context", "personal_data"]
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "context": {"()": "sscard.common.logs.ContextFilter"},
            "personal_data": {"()": "sscard.common.logfilter.MaskPersonalData"},
        },
        "formatters": {
            "json": {"()": "sscard.common.logs.JsonFormatter"},
            "plain": {"()": "sscard.common.logs.PlainFormatter"},
            "django.server": {
                "()": "django.utils.log.ServerFormatter",
                "format": "[{server_time}] {message}",
                "style": "{",
            },
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": log_format,
                "filters": filters,
            },
            # The development server's request lines: as Django writes them in plain text.
            "django.server": {
                "class": "logging.StreamHandler",
                "formatter": "django.server" if log_format == "plain" else "json",
                "filters": filters,
            },
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "django": {"handlers": [], "level": "INFO"},
            "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
            # gunicorn's own lines (its access log is off: `sscard.access` writes one per request).
            "gunicorn.error": {
                "handlers": ["console"],
                "level": gunicorn_level,
                "propagate": False,
            },
            "gunicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            # fontTools reports every glyph it subsets into a PDF at INFO.
            "fontTools": {"level": "WARNING"},
        },
    }


def env_bool(environ: Mapping[str, str], name: str, default: bool) -> bool:
    value = environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def production_from(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether the settings will say PRODUCTION, from the same variables (for gunicorn's
    master process, which does not load the settings)."""
    from sscard.common.keys import is_production

    hosts = [h for h in environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost").split(",") if h]
    return is_production(debug=env_bool(environ, "SSCARD_DEBUG", False), allowed_hosts=hosts)

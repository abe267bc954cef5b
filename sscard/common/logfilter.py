"""A logging filter that masks ID numbers and mobile numbers in every record.

Django logs the path of every 404 and 500 (`Not Found: /api/v1/persons/110105…`), exceptions
quote the values they choke on, and a request body can end up in a message: whatever a record
holds, what reaches a handler is masked (DOMAIN.md section 10). Attached to every handler in
settings.LOGGING, as are the known extra fields (`sscard.common.logs.EXTRA_FIELDS`, such as the
access line's route) that hold text.
"""

from __future__ import annotations

import logging

from sscard.common.logs import EXTRA_FIELDS
from sscard.common.masking import mask_text

_formatter = logging.Formatter()


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the parts, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_text(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = _formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        attributes = record.__dict__
        for name in EXTRA_FIELDS:
            value = attributes.get(name)
            if isinstance(value, str):
                attributes[name] = mask_text(value)
        return True

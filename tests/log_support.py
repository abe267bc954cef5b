"""What a log must not hold, for the tests of log masking and of the JSON lines."""

from __future__ import annotations

import re
from typing import Any

# Stricter than the masks (sscard.common.masking): any run of the digits, wherever it stands.
ID_NUMBER = re.compile(r"\d{17}[\dXx]")
MOBILE = re.compile(r"1[3-9]\d{9}")
# The ids sscard makes for requests (uuid4 hex, sscard.common.requestlog) are random: one in a
# few hundred holds eleven digits in a row that start like a mobile number, which is no one's
# personal data (and which the masks rightly leave alone, being inside a longer word).
REQUEST_ID = re.compile(r"\b[0-9a-f]{32}\b")


def assert_nothing_personal(text: str) -> None:
    text = REQUEST_ID.sub("<request id>", text)
    assert ID_NUMBER.findall(text) == []
    assert MOBILE.findall(text) == []


def headers_but_the_request_id(response: Any) -> dict[str, str]:
    """An answer's headers but X-Request-ID, which is each request's own: for tests that two
    answers tell nothing apart."""
    return {k: v for k, v in response.headers.items() if k != "X-Request-ID"}

"""Names of region codes (GB/T 2260), from the table python-stdnum keeps for citizen ID numbers."""

from __future__ import annotations

import re
from functools import lru_cache

from stdnum import numdb

_SPAN = re.compile(r"^\[(\d{4})?-(\d{4})?\](.+)$")


@lru_cache(maxsize=512)
def region_name(code: str) -> str:
    """The current name of a region code ("440106" -> "天河区"); the code itself when unknown.

    A code reused over the years carries several names ("[1983-1986]郊区,[1987-]白云区"): the
    one still in use is the one without an end year.
    """
    code = str(code)
    if not (code.isdigit() and len(code) == 6):
        return code
    county = ""
    for _part, props in numdb.get("cn/loc").info(code):
        county = props.get("county", county)
    if not county:
        return code
    names = []
    for entry in county.split(","):
        match = _SPAN.match(entry.strip())
        if match is None:
            names.append((9999, entry.strip()))
        else:
            names.append((int(match.group(2) or 9999), match.group(3)))
    return max(names)[1]

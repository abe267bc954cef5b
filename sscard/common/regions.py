"""Region codes (GB/T 2260), from the table python-stdnum keeps for citizen ID numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from stdnum import numdb

_SPAN = re.compile(r"^\[(\d{4})?-(\d{4})?\](.+)$")


@dataclass(frozen=True)
class RegionName:
    """One name a code carried, and the years it carried it (None: open, or not known)."""

    name: str
    first_year: int | None = None
    last_year: int | None = None


@lru_cache(maxsize=8192)
def region_names(code: str) -> tuple[RegionName, ...]:
    """Every name the table gives a 6-digit code, with its years; empty when the code is not
    in the table.

    A code reused over the years carries several names ("[1983-1986]郊区,[1987-]白云区"); a
    name without years has no known period.
    """
    code = str(code)
    if not (code.isdigit() and len(code) == 6):
        return ()
    parts = numdb.get("cn/loc").info(code)
    # The table splits a code into its province (2 digits) and the rest (4 digits); a code is
    # in the table only when both parts are.
    if len(parts) != 2 or "county" not in parts[1][1]:
        return ()
    names = []
    for entry in parts[1][1]["county"].split(","):
        match = _SPAN.match(entry.strip())
        if match is None:
            names.append(RegionName(entry.strip()))
        else:
            first, last, name = match.groups()
            names.append(RegionName(name, _year(first), _year(last)))
    return tuple(names)


def _year(value: str | None) -> int | None:
    return int(value) if value else None


def region_name(code: str) -> str:
    """The current name of a region code ("440106" -> "天河区"); the code itself when unknown.

    The name still in use is the one without an end year.
    """
    names = region_names(code)
    if not names:
        return str(code)
    return max(names, key=lambda n: n.last_year or 9999).name

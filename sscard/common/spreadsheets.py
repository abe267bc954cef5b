"""Cells of files meant for spreadsheets (CSV exports)."""

from __future__ import annotations

# A cell starting with one of these is read as a formula by spreadsheet programs, which can
# then run commands or send the sheet's data elsewhere (OWASP, "CSV Injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """The cell as text a spreadsheet shows and never evaluates: a leading quote before what
    would start a formula."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text

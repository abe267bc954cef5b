"""CSV exports cannot carry formulas into a supervisor's spreadsheet (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from sscard.common.spreadsheets import safe_cell
from tests.console_support import add_staff, build_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1-2", "'+1-2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("A00000118", "A00000118"),
        ("110105********002X", "110105********002X"),
        ("", ""),
        (12, "12"),
    ],
)
def test_a_cell_that_would_start_a_formula_is_quoted(value, cell):
    assert safe_cell(value) == cell


def test_the_exported_audit_log_shows_a_formula_like_user_name_as_text():
    world = build_world()
    # Django allows + - @ in user names: "-2+3" is one a spreadsheet would compute.
    odd = add_staff("supervisor", world.bureau, "-2+3")
    supervisor = world.client("supervisor")
    supervisor.force_login(odd)
    supervisor.cookies["sscard_language"] = "en"
    supervisor.get(reverse("console:applications"), {"format": "csv"}).getvalue()

    exported = supervisor.get(reverse("console:audit"), {"format": "csv"})

    rows = list(csv.reader(io.StringIO(exported.getvalue().decode("utf-8-sig"))))
    who = rows[0].index("Who")
    names = {row[who] for row in rows[1:]}
    assert "'-2+3" in names
    assert "-2+3" not in names
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)

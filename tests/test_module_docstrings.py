"""Every module under sscard/ opens with a docstring that says what lives there, so that a
reader knows where a rule is before opening the file. Left out: migrations (written by Django)
and empty `__init__.py` files (they only mark a package)."""

from __future__ import annotations

import ast
from pathlib import Path

SSCARD = Path(__file__).resolve().parent.parent / "sscard"


def _modules() -> list[Path]:
    return [
        path
        for path in sorted(SSCARD.rglob("*.py"))
        if "migrations" not in path.relative_to(SSCARD).parts and path.read_text().strip()
    ]


def test_there_are_modules_to_check() -> None:
    assert len(_modules()) > 100


def test_every_module_says_what_lives_there() -> None:
    missing = [
        str(path.relative_to(SSCARD))
        for path in _modules()
        if not (ast.get_docstring(ast.parse(path.read_text())) or "").strip()
    ]

    assert missing == []

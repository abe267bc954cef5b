"""Error codes are typed, all used, all documented and all worded.

The tree is read with `ast`: a code is never a string literal (a typo would be a new code that
no client, console or portal knows), every ErrorCode member is raised somewhere, the OpenAPI
document names every code, and clerks and citizens have words for the codes they meet in both
languages.
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest
from django.test import Client
from django.utils import translation
from django.utils.functional import Promise

from sscard.api.problems import ProtocolCode
from sscard.common.errors import ErrorCode
from sscard.console.errors import MESSAGES as CONSOLE_MESSAGES
from sscard.portal.errors import CITIZEN_CODES
from sscard.portal.errors import MESSAGES as PORTAL_MESSAGES

ROOT = Path(__file__).resolve().parent.parent / "sscard"
INTERFACES = ("api", "console", "portal")

# Callables that take a code as a positional argument (the domain's `refuse` helper for a
# guardianship's terms, the API's problem builders, a rejected record of a feed and the feed's
# `reject` helper).
CODE_TAKERS = {
    "refuse": 0,
    "problem": 1,
    "ProtocolError": 1,
    "refused": 1,
    "RecordError": 2,
    "reject": 2,
}

# Codes raised by an interface only: checks of a request against the person it names, which
# only the API's bodies carry (a name beside an ID number, a reporter beside a signed-in
# citizen). (The hotline's "check the caller first" is the calls' too: the voice menu's.)
RAISED_BY_INTERFACES_ONLY = frozenset(
    {
        ErrorCode.APPLICANT_NOT_MATCHED,
        ErrorCode.REPORTER_NOT_MATCHED,
        ErrorCode.REPORTER_NOT_SIGNED_IN,
        ErrorCode.CARD_PERSON_MISMATCH,
    }
)

CJK = re.compile(r"[\u4e00-\u9fff]")


def modules() -> Iterator[tuple[Path, ast.Module]]:
    for path in sorted(ROOT.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def error_classes() -> set[str]:
    """The names of DomainError and every class derived from it (or from ProtocolError)."""
    bases: dict[str, set[str]] = {}
    for _, tree in modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                bases[node.name] = {
                    b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                }
    family = {"DomainError", "ProtocolError"}
    grew = True
    while grew:
        grew = False
        for name, parents in bases.items():
            if name not in family and parents & family:
                family.add(name)
                grew = True
    return family


def class_level_codes(tree: ast.Module, family: set[str]) -> Iterator[ast.expr]:
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef) and node.name in family:
            for statement in node.body:
                if isinstance(statement, ast.Assign):
                    targets = statement.targets
                elif isinstance(statement, ast.AnnAssign) and statement.value is not None:
                    targets = [statement.target]
                else:
                    continue
                if any(isinstance(t, ast.Name) and t.id == "code" for t in targets):
                    assert statement.value is not None
                    yield statement.value


def callee(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def code_arguments(tree: ast.Module, family: set[str]) -> Iterator[ast.expr]:
    """Every expression in a place where a code is given: `code=...`, a class's `code = ...`
    and the code position of the helpers that take one."""
    yield from class_level_codes(tree, family)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        for keyword in node.keywords:
            if keyword.arg == "code":
                yield keyword.value
        position = CODE_TAKERS.get(callee(node))
        if position is not None and len(node.args) > position:
            yield node.args[position]


def is_literal_str(node: ast.expr) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def member(node: ast.expr, enum: str) -> str | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == enum
    ):
        return node.attr
    return None


def where_raised(enum: str) -> dict[str, set[str]]:
    """Each member of `enum` given as a code, with the top-level packages that give it."""
    family = error_classes()
    found: dict[str, set[str]] = defaultdict(set)
    for path, tree in modules():
        package = path.relative_to(ROOT).parts[0]
        for argument in code_arguments(tree, family):
            name = member(argument, enum)
            if name is not None:
                found[name].add(package)
    return found


def test_no_code_is_a_string_literal() -> None:
    family = error_classes()
    literal = [
        f"{path.relative_to(ROOT.parent)}:{argument.lineno}"
        for path, tree in modules()
        for argument in code_arguments(tree, family)
        if is_literal_str(argument)
    ]
    assert literal == []


def test_the_guard_sees_the_literal_codes_it_is_meant_to_refuse() -> None:
    tree = ast.parse(
        "class Refusal(Conflict):\n"
        "    code = 'made_up'\n"
        "raise NotFound('No.', code='made_up')\n"
        "refuse('made_up', 'field', 'message')\n"
        "problem(404, 'made_up', 'No.')\n"
    )
    found = list(code_arguments(tree, error_classes() | {"Refusal"}))
    assert len(found) == 4
    assert all(is_literal_str(argument) for argument in found)


def test_every_error_code_is_raised_somewhere() -> None:
    raised = where_raised("ErrorCode")
    assert sorted(set(ErrorCode.__members__) - set(raised)) == []
    assert set(raised) <= set(ErrorCode.__members__)


def test_the_codes_raised_only_by_an_interface_are_the_named_ones() -> None:
    raised = where_raised("ErrorCode")
    only_interfaces = {
        ErrorCode[name] for name, packages in raised.items() if set(packages) <= set(INTERFACES)
    }
    assert only_interfaces == RAISED_BY_INTERFACES_ONLY


def test_every_protocol_code_is_answered_by_the_api_and_by_nothing_else() -> None:
    used: dict[str, set[str]] = defaultdict(set)
    for path, tree in modules():
        for node in ast.walk(tree):
            name = member(node, "ProtocolCode") if isinstance(node, ast.Attribute) else None
            if name is not None:
                used[name].add(path.relative_to(ROOT).parts[0])
    assert sorted(set(ProtocolCode.__members__) - set(used)) == []
    assert {package for packages in used.values() for package in packages} == {"api"}


def test_an_error_code_and_a_protocol_code_never_share_a_value() -> None:
    assert {*ErrorCode} & {*ProtocolCode} == set()
    for code in [*ErrorCode, *ProtocolCode]:
        assert re.fullmatch(r"[a-z]+(_[a-z]+)*", code), code


@pytest.mark.django_db
def test_the_openapi_document_names_every_code() -> None:
    document = Client().get("/api/v1/openapi.json").json()
    code = document["components"]["schemas"]["Problem"]["properties"]["code"]
    assert code["type"] == "string"
    assert set(code["x-extensible-enum"]) == {*ErrorCode, *ProtocolCode}
    assert code["x-extensible-enum"] == sorted(code["x-extensible-enum"])


def words(table: Mapping[str, Promise], code: str, language: str) -> str:
    with translation.override(language):
        return str(table[code])


@pytest.mark.parametrize("code", list(ErrorCode))
def test_a_clerk_reads_every_code_in_both_languages(code: ErrorCode) -> None:
    assert code in CONSOLE_MESSAGES
    english, chinese = words(CONSOLE_MESSAGES, code, "en"), words(CONSOLE_MESSAGES, code, "zh-hans")
    assert english.strip() and not CJK.search(english)
    assert chinese != english and CJK.search(chinese), chinese


def test_every_console_message_is_for_a_code() -> None:
    """A key is a code, or a code and what it is about (`wrong_bank:card`)."""
    assert {key.split(":")[0] for key in CONSOLE_MESSAGES} <= {*ErrorCode}


@pytest.mark.parametrize("code", sorted(CITIZEN_CODES))
def test_a_citizen_reads_every_code_they_can_meet_in_both_languages(code: ErrorCode) -> None:
    assert code in PORTAL_MESSAGES
    english, chinese = words(PORTAL_MESSAGES, code, "en"), words(PORTAL_MESSAGES, code, "zh-hans")
    assert english.strip() and not CJK.search(english)
    assert chinese != english and CJK.search(chinese), chinese


def test_the_portal_words_only_codes_there_are() -> None:
    assert set(PORTAL_MESSAGES) <= {*ErrorCode}
    assert all(isinstance(code, ErrorCode) for code in CITIZEN_CODES)

"""docs/deploy.md keeps up with the code: every environment variable the settings and the
gunicorn configuration read is in it (and nothing it lists is read by neither), every file
under deploy/ is named in it, and every sscard command the systemd units run parses."""

from __future__ import annotations

import ast
import re
import shlex
from pathlib import Path

from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parent.parent
GUIDE = ROOT / "docs" / "deploy.md"
READERS = [
    ROOT / "config" / "settings.py",
    ROOT / "config" / "gunicorn.py",
    ROOT / "sscard" / "common" / "logs.py",  # the log format, for settings and gunicorn alike
]


def _is_environment_read(call: ast.Call) -> bool:
    """os.environ.get(...), os.getenv(...), or a settings helper such as _env_bool(...)."""
    func = call.func
    if isinstance(func, ast.Attribute) and func.attr == "get":
        return (isinstance(func.value, ast.Attribute) and func.value.attr == "environ") or (
            isinstance(func.value, ast.Name) and func.value.id == "environ"
        )
    if isinstance(func, ast.Attribute) and func.attr == "getenv":
        return True
    return isinstance(func, ast.Name) and func.id.startswith("_env")


def variables_read() -> set[str]:
    names: set[str] = set()
    for path in READERS:
        for node in ast.walk(ast.parse(path.read_text())):
            key: ast.expr | None = None
            if isinstance(node, ast.Call) and node.args and _is_environment_read(node):
                key = node.args[0]
            elif (
                isinstance(node, ast.Subscript)
                and isinstance(node.value, ast.Attribute)
                and node.value.attr == "environ"
            ):
                key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value)
    return names


def variables_in_the_table() -> set[str]:
    text = GUIDE.read_text()
    table = text[text.index("## Every environment variable") :]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1])}


def test_the_settings_read_variables():
    assert {"SECRET_KEY", "DATABASE_URL", "SSCARD_TRUSTED_PROXIES", "SSCARD_WORKERS"} <= (
        variables_read()
    )


def test_every_variable_read_is_in_the_deploy_guide():
    assert sorted(variables_read() - variables_in_the_table()) == []


def test_the_deploy_guide_lists_no_variable_that_nothing_reads():
    assert sorted(variables_in_the_table() - variables_read()) == []


def test_every_deploy_file_is_named_in_the_guide():
    text = GUIDE.read_text()
    files = sorted(p.relative_to(ROOT) for p in (ROOT / "deploy").rglob("*") if p.is_file())
    assert files
    missing = [str(f) for f in files if str(f) not in text and f.name not in text]
    assert missing == []


def test_every_sscard_command_of_the_units_parses():
    commands = get_commands()
    seen = []
    for unit in sorted((ROOT / "deploy" / "systemd").glob("*.service")):
        for line in unit.read_text().splitlines():
            if not line.startswith("ExecStart="):
                continue
            program, *arguments = shlex.split(line.removeprefix("ExecStart="))
            assert program.startswith("/srv/sscard/.venv/bin/"), line
            assert (ROOT / ".venv" / "bin" / Path(program).name).exists(), line
            if Path(program).name != "sscard":
                continue
            name, *options = arguments
            command = load_command_class(commands[name], name)
            command.create_parser("sscard", name).parse_args(options)
            seen.append(name)
    assert sorted(seen) == ["backup", "sweep", "worker"]

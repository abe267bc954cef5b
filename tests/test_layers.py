"""Every app under sscard/ has its place in the layers of the import-linter contracts in
pyproject.toml: `lint-imports` (CI, `make lint`) checks the imports, and this checks that no
app escapes the contracts by being left out of them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return {c["id"]: c for c in config["tool"]["importlinter"]["contracts"]}


def _layers() -> list[list[str]]:
    return [
        [name.strip(" ()") for name in re.split(r"[|:]", layer)]
        for layer in _contracts()["layers"]["layers"]
    ]


def _apps() -> set[str]:
    return {f"sscard.{path.parent.name}" for path in (ROOT / "sscard").glob("*/__init__.py")}


def test_every_app_stands_in_one_layer() -> None:
    named = [name for layer in _layers() for name in layer if name.startswith("sscard.")]

    assert sorted(named) == sorted(_apps())


def test_the_domain_apps_are_the_layers_below_the_background_work() -> None:
    layers = [name for layer in _layers() for name in layer]
    domain = layers[layers.index("sscard.background") + 1 :]

    assert sorted(_contracts()["domain-imports-no-interface"]["source_modules"]) == sorted(domain)
    assert sorted(_contracts()["common-imports-no-app"]["forbidden_modules"]) == sorted(
        _apps() - {"sscard.common"}
    )

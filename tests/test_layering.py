"""Layering rules from the design, checked two ways.

Statically, by the import-linter contracts in pyproject.toml (the import ladder, no cycles,
textual and rich only in tui/ (rich also for CLI output in commands/), duckdb only in
database/); and at run time: importing any module outside tui/ and database/ loads neither
textual, rich, duckdb nor a provider SDK (SDKs load lazily, inside the adapter that needs them).
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
import tomllib

import pytest

import pidgin_tui
from tests.conftest import REPO_ROOT, cli_env

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
CONTRACTS = [contract["id"] for contract in PYPROJECT["tool"]["importlinter"]["contracts"]]


@pytest.mark.parametrize("contract", CONTRACTS)
def test_import_contract_is_kept(contract: str) -> None:
    code = ("import sys\nfrom importlinter.cli import lint_imports\n"
            "sys.exit(lint_imports(no_cache=True, no_logo=True,"
            f" limit_to_contracts=({contract!r},)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=cli_env(), cwd=REPO_ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr

HEAVY = ("textual", "rich", "duckdb", "anthropic", "openai", "google.genai", "httpx2")


def _non_tui_modules() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(pidgin_tui.__path__, "pidgin_tui."):
        if info.name.startswith(("pidgin_tui.tui", "pidgin_tui.database")):
            continue
        names.append(info.name)
    return names


def test_core_packages_import_no_textual_duckdb_or_sdks() -> None:
    modules = [m for m in _non_tui_modules() if m != "pidgin_tui.__main__"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "print(','.join(loaded))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=cli_env(), check=True)
    assert result.stdout.strip() == ""


def test_help_imports_nothing_heavy() -> None:
    slow = (*HEAVY, "yaml", "msgspec", "asyncio")
    code = (
        "import sys\nfrom pidgin_tui.cli import build_parser\nbuild_parser().format_help()\n"
        f"print(','.join(m for m in {slow!r} if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=cli_env(), check=True)
    assert result.stdout.strip() == ""

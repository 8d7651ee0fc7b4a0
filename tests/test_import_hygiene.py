"""Layering rules from the design: the core loads neither textual nor duckdb nor provider SDKs."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import pidgin_tui
from tests.conftest import cli_env

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

"""mypy runs with the tests, so the README's test command (what CI runs) enforces the types.

The configuration is `[tool.mypy]` in pyproject.toml; the cache goes to a temporary directory
so parallel workers never share one.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO_ROOT


def test_mypy_finds_nothing(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "mypy"), "pidgin_tui"],
        capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr

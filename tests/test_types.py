"""mypy runs with the tests, so the README's test command (what CI runs) enforces the types.

The configuration is `[tool.mypy]` in pyproject.toml. The cache lives in the system's temporary
directory, one per checkout, and outlives the run: mypy then rechecks only the modules that
changed since the last run (and what depends on them) instead of all of them. One test runs mypy,
so no two processes write one cache at once.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
from pathlib import Path

from tests.conftest import REPO_ROOT


def mypy_cache_dir() -> Path:
    """This checkout's mypy cache, kept between runs."""
    key = hashlib.sha256(str(REPO_ROOT.resolve()).encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "pidgin-tui-mypy-cache" / key


def test_mypy_finds_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(mypy_cache_dir()), "pidgin_tui"],
        capture_output=True, text=True, cwd=REPO_ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr

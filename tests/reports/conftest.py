"""A real experiment shared by the report tests (3 conversations × 4 turns, thinking on)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analysis_fixtures import run_experiment


@pytest.fixture(scope="session")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_experiment(tmp_path_factory.mktemp("root"))

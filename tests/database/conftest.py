"""A real experiment (3 conversations × 4 turns, one failing) shared by the database tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analysis_fixtures import run_experiment


@pytest.fixture(scope="session")
def experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_experiment(tmp_path_factory.mktemp("root"))


@pytest.fixture(scope="session")
def failing_experiment(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return run_experiment(tmp_path_factory.mktemp("root"), agent_b="local:fail-at-3",
                          repetitions=2, name="failing")

"""Files follow the umask like every other file; a private file is 0600 whatever the umask."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from pidgin_tui.core.files import write_atomic
from tests.analysis_fixtures import run_experiment


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_writes_follow_the_umask(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "a.json"
    write_atomic(target, b"{}")
    assert _mode(target) == 0o644 and target.read_bytes() == b"{}"
    os.umask(0o077)
    write_atomic(target, b"[]")
    assert _mode(target) == 0o600 and target.read_bytes() == b"[]"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]  # no temporary file left


def test_private_files_are_0600_whatever_the_umask(tmp_path: Path, umask_022: None) -> None:
    target = tmp_path / "config.toml"
    write_atomic(target, b"[keys]\n", private=True)
    assert _mode(target) == 0o600
    os.umask(0)
    write_atomic(target, b"[keys]\n", private=True)
    assert _mode(target) == 0o600


def test_every_file_of_an_experiment_has_the_same_mode(tmp_path: Path, umask_022: None) -> None:
    exp_dir = run_experiment(tmp_path / "out", max_turns=1, repetitions=1, think=False)
    modes = {p.name: _mode(p) for p in exp_dir.iterdir() if p.is_file()}
    assert "manifest.json" in modes and set(modes.values()) == {0o644}, modes

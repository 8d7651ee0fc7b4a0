"""How an import decides to stage a batch in parts at once (`database.staging`): only with a
core to spare, judged by the tasks running now rather than by a load average that counts the
import itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from pidgin_tui.database import staging


def _machine(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, cores: int,
             loadavg: str | None, average: float = 0.0) -> None:
    path = tmp_path / "loadavg"
    if loadavg is not None:
        path.write_text(loadavg)
    monkeypatch.setattr(staging, "LOADAVG", path)
    monkeypatch.setattr(staging.os, "cpu_count", lambda: cores)
    monkeypatch.setattr(staging.os, "getloadavg", lambda: (average, average, average))


@pytest.mark.parametrize(("running", "busy"), [(1, False), (2, True), (5, True)])
def test_the_tasks_running_now_other_than_the_import_decide(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path, running: int, busy: bool) -> None:
    # A 1-minute average of 1.9 would have said busy: the import's own work counted in it.
    _machine(monkeypatch, tmp_path, 2, f"1.90 1.50 1.20 {running}/80 4242\n", average=1.9)
    assert staging.busy() is busy
    files = [tmp_path / f"f{index}" for index in range(5)]
    assert staging.part_count(files) == (1 if busy else 2)
    assert staging.part_count(files[:1]) == 1


def test_without_proc_the_load_average_stands_in(monkeypatch: pytest.MonkeyPatch,
                                                 tmp_path: Path) -> None:
    _machine(monkeypatch, tmp_path, 4, None, average=2.5)
    assert not staging.busy()
    _machine(monkeypatch, tmp_path, 4, "garbage", average=3.0)
    assert staging.busy()


def test_one_core_stages_in_one_part(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _machine(monkeypatch, tmp_path, 1, "0.00 0.00 0.00 1/80 4242\n")
    assert staging.part_count([tmp_path / "a", tmp_path / "b"]) == 1

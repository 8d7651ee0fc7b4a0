"""Line scans kept across processes: an unchanged conversation file is not read again, a changed
one always is, and a damaged or unwritable cache only costs the reading."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from pidgin_tui.experiments.discovery import list_experiments
from pidgin_tui.experiments.synthetic import write_experiment
from pidgin_tui.paths import cache_dir
from pidgin_tui.record import damage, line_scans
from pidgin_tui.record.layout import conversation_files


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "out"

AN_HOUR_AGO_NS = 3_600 * 10**9


def settle(experiment: Path, age_ns: int = AN_HOUR_AGO_NS) -> None:
    """Date every conversation file back, as a finished experiment's files are."""
    when = os.stat(experiment).st_mtime_ns - age_ns
    for path in conversation_files(experiment):
        os.utime(path, ns=(when, when))


def new_process() -> None:
    """What a new `list` starts with: nothing read in this process."""
    damage._SCANNED.clear()
    line_scans.forget()


@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The files `line_problem` reads."""
    seen: list[Path] = []
    real = damage.read_events

    def counting(path: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        seen.append(path)
        return real(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(damage, "read_events", counting)
    return seen


def damage_line(path: Path) -> None:
    """Cut the first line's event type short, keeping the file's size."""
    data = path.read_bytes()
    at = data.index(b"Event")
    path.write_bytes(data[:at] + b"Evxnt" + data[at + 5:])


def test_a_later_process_does_not_read_unchanged_files_again(root: Path, reads: list[Path]
                                                             ) -> None:
    experiment = write_experiment(root, "scan01", "settled", conversations=3)
    settle(experiment)
    new_process()
    assert [i.damage for i in list_experiments(root)] == [None]
    assert len(reads) == 3 and (cache_dir() / line_scans.CACHE_NAME).exists()
    reads.clear()
    new_process()
    assert [i.damage for i in list_experiments(root)] == [None]
    assert reads == []


def test_damage_found_once_is_still_reported_without_reading(root: Path, reads: list[Path]
                                                             ) -> None:
    experiment = write_experiment(root, "scan02", "damaged", conversations=2)
    damage_line(conversation_files(experiment)[1])
    settle(experiment)
    new_process()
    [first] = list_experiments(root)
    reads.clear()
    new_process()
    [again] = list_experiments(root)
    assert reads == [] and again.damage == first.damage
    assert again.damage is not None and "line 1" in again.damage


def test_a_file_changed_in_place_is_read_again(root: Path, reads: list[Path]) -> None:
    experiment = write_experiment(root, "scan03", "edited", conversations=1)
    settle(experiment)
    new_process()
    assert list_experiments(root)[0].damage is None
    [path] = conversation_files(experiment)
    size = path.stat().st_size
    damage_line(path)  # same size, same inode: only the time tells
    settle(experiment, AN_HOUR_AGO_NS // 2)
    assert path.stat().st_size == size
    new_process()
    assert "line 1" in (list_experiments(root)[0].damage or "")


def test_a_file_written_moments_ago_is_not_remembered(root: Path, reads: list[Path]) -> None:
    """Its time may not move with a same-size write in the same tick: never trust it."""
    write_experiment(root, "scan04", "fresh", conversations=2)
    new_process()
    list_experiments(root)
    reads.clear()
    new_process()
    list_experiments(root)
    assert len(reads) == 2


@pytest.mark.parametrize("cache", [b"", b"{not json", b'{"x": [1, 2]}', b"[]"])
def test_a_damaged_cache_only_costs_the_reading(root: Path, reads: list[Path], cache: bytes
                                                ) -> None:
    experiment = write_experiment(root, "scan05", "settled", conversations=2)
    damage_line(conversation_files(experiment)[-1])  # the first problem ends the look
    settle(experiment)
    cache_dir().mkdir(parents=True)
    (cache_dir() / line_scans.CACHE_NAME).write_bytes(cache)
    new_process()
    assert "line 1" in (list_experiments(root)[0].damage or "")
    assert len(reads) == 2
    reads.clear()
    new_process()
    assert "line 1" in (list_experiments(root)[0].damage or "")
    assert reads == []  # rewritten whole


def test_an_unwritable_cache_dir_is_no_error(root: Path, reads: list[Path],
                                             monkeypatch: pytest.MonkeyPatch, tmp_path: Path
                                             ) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory")
    monkeypatch.setenv("PIDGIN_CACHE_DIR", str(blocked / "cache"))
    experiment = write_experiment(root, "scan06", "settled", conversations=2)
    settle(experiment)
    new_process()
    assert [i.damage for i in list_experiments(root)] == [None]
    new_process()
    assert [i.damage for i in list_experiments(root)] == [None]
    assert len(reads) == 4

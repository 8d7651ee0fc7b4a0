"""fsyncs of a conversation's file: a turn's end is made durable within `SYNC_INTERVAL_S`, and
turns that end faster than that share an fsync instead of each waking the fsync thread."""

from __future__ import annotations

import asyncio
import os
import threading
from pathlib import Path

import pytest

from pidgin_tui.core.events import TurnCompleteEvent
from pidgin_tui.record import jsonl
from pidgin_tui.record.jsonl import SYNC_INTERVAL_S, JsonlWriter, wait_for_background_syncs


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The writer's clock, still unless a test moves it (the loop keeps its own)."""
    frozen = Clock()
    monkeypatch.setattr(jsonl, "_clock", frozen)
    return frozen


@pytest.fixture
def fsyncs(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []
    lock = threading.Lock()

    def fsync(fd: int) -> None:
        with lock:
            calls.append(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    return calls


def _writer(tmp_path: Path) -> JsonlWriter:
    return JsonlWriter(tmp_path / "conv_x_0001_events.jsonl")


async def _until(condition: object, seconds: float = 10.0) -> None:
    """Wait for the loop to run the deferred fsync (the loop's own timer)."""
    for _ in range(int(seconds / 0.01)):
        wait_for_background_syncs()
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.01)


async def test_fast_turns_share_an_fsync_and_the_last_is_durable_soon(
        tmp_path: Path, fsyncs: list[int], clock: Clock) -> None:
    writer = _writer(tmp_path)
    for turn in range(1, 51):  # 50 turns while the clock stands still
        writer.write(TurnCompleteEvent(turn_number=turn))
        writer.sync()
    wait_for_background_syncs()
    assert len(fsyncs) == 1  # the first turn's, at once; the others wait for the interval
    await _until(lambda: len(fsyncs) == 2)  # no more turns: the rest is fsynced anyway
    assert len(fsyncs) == 2
    writer.close()
    assert len(fsyncs) == 3  # and once more on close


async def test_a_turn_after_a_quiet_spell_is_fsynced_at_once(
        tmp_path: Path, fsyncs: list[int], clock: Clock) -> None:
    writer = _writer(tmp_path)
    writer.sync()
    wait_for_background_syncs()
    clock.now += SYNC_INTERVAL_S
    writer.write(TurnCompleteEvent(turn_number=2))
    writer.sync()
    wait_for_background_syncs()
    assert len(fsyncs) == 2
    writer.close()


async def test_closing_drops_the_deferred_fsync_and_fsyncs_itself(
        tmp_path: Path, fsyncs: list[int], clock: Clock) -> None:
    writer = _writer(tmp_path)
    writer.sync()
    writer.sync()  # deferred
    writer.close()
    await asyncio.sleep(SYNC_INTERVAL_S * 1.5)  # past when the deferred one was due
    wait_for_background_syncs()
    assert len(fsyncs) == 2  # the first, and close's; nothing on a closed file


async def test_a_failed_fsync_is_raised_by_the_next_sync(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing(fd: int) -> None:
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing)
    writer = _writer(tmp_path)
    writer.sync()
    wait_for_background_syncs()
    with pytest.raises(OSError, match="Input/output error"):
        writer.sync()
    writer.abandon()


def test_without_an_event_loop_each_turn_is_fsynced(
        tmp_path: Path, fsyncs: list[int], clock: Clock) -> None:
    writer = _writer(tmp_path)
    for _ in range(3):
        writer.sync()
        wait_for_background_syncs()
    assert len(fsyncs) == 3
    writer.close()

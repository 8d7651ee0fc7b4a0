"""manifest.json writes: atomic, coalesced under bursts, and never left behind."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from pidgin_tui.record.manifest import Manifest, ManifestWriter, Urgency, read_manifest


def read(path: Path) -> Manifest:
    manifest = read_manifest(path)
    assert manifest is not None
    return manifest


async def written(path: Path, done: Callable[[Manifest], bool], limit_s: float = 20.0) -> None:
    """Wait for the writer's deferred write to put what `done` checks on disk. A loaded machine
    runs the writer's timer late, so this waits for the file, not for a fixed time."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while (manifest := read_manifest(path)) is None or not done(manifest):
        assert loop.time() < deadline, f"{path.name} was not written within {limit_s} s"
        await asyncio.sleep(0.02)


async def test_a_burst_of_lifecycle_changes_is_coalesced_but_fully_written(
        tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    writer = ManifestWriter(path, Manifest())
    for count in range(1, 201):  # 200 conversations starting at once
        writer.data.running_conversations = count
        writer.mark_dirty()
        writer.maybe_write(Urgency.LIFECYCLE)
    assert writer.writes <= 2
    await written(path, lambda m: m.running_conversations == 200)


async def test_progress_is_written_even_when_no_further_event_comes(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    writer = ManifestWriter(path, Manifest(), interval_s=0.2)
    writer.write()
    writer.data.total_turns = 7
    writer.mark_dirty()
    assert writer.maybe_write(Urgency.PROGRESS) is False
    assert read(path).total_turns == 0
    await written(path, lambda m: m.total_turns == 7)


async def test_experiment_lifecycle_is_written_before_the_publisher_goes_on(
        tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    writer = ManifestWriter(path, Manifest(status="created"))
    writer.write()
    writer.data.status = "running"
    writer.mark_dirty()
    assert writer.maybe_write(Urgency.NOW) is True
    assert read(path).status == "running"
    assert not list(tmp_path.glob(".manifest.json.*"))  # no temp file left behind


def test_unicode_and_quotes_survive(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    ManifestWriter(path, Manifest(name="it's \"🦜\"")).write()
    assert read(path).name == "it's \"🦜\""

"""Resume after a crash, on a record cut at chosen points: torn lines, missing prompts, no file."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

from pidgin_tui.core.events import ConversationEndEvent, MessageCompleteEvent
from pidgin_tui.experiments.resume import load_saved_conversation
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import conversation_jsonl_name, torn_path
from pidgin_tui.record.manifest import read_manifest, write_manifest
from tests.conftest import cli_command, cli_env

SPEC = {"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 4,
        "repetitions": 4, "seed": 5, "name": "cut"}
TORN = b'{"event_type":"MessageCompleteEvent","content":"half a mess'


def _lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True)


def _messages(path: Path) -> list[tuple[int, str, str]]:
    return [(e.turn_number, e.agent_id, e.content) for e in read_all_events(path).events
            if isinstance(e, MessageCompleteEvent) and e.finish_reason != "interrupted"]


async def test_a_crashed_experiment_resumes_to_the_same_messages(tmp_path: Path) -> None:
    whole = await ExperimentRunner(parse_spec(SPEC), tmp_path / "whole").run()
    crashed = await ExperimentRunner(parse_spec(SPEC), tmp_path / "crashed").run()
    directory = crashed.experiment_dir
    ids = [o.conversation_id for o in crashed.outcomes]
    files = [directory / conversation_jsonl_name(cid) for cid in ids]
    reference = [_messages(whole.experiment_dir / f"conv_{whole.experiment_id}_{cid[-4:]}"
                           "_events.jsonl") for cid in ids]

    # 1: died in turn 3, the last line half-written.
    lines = _lines(files[0])
    cut = next(i for i, line in enumerate(lines) if b'"turn_number":3' in line
               and b"MessageCompleteEvent" in line)
    files[0].write_bytes(b"".join(lines[:cut + 1]) + TORN)
    # 2: died after starting, before its system prompts were recorded.
    files[1].write_bytes(_lines(files[1])[0])
    # 3: never began.
    files[2].unlink()
    # 4: finished before the crash.
    manifest_path = directory / "manifest.json"
    manifest = read_manifest(directory)
    assert manifest is not None
    manifest.status, manifest.pid = "running", 2**22 + 7  # a pid no process has
    manifest.conversations.pop(ids[2])
    for cid in ids[:2]:
        manifest.conversations[cid].status = "running"
        manifest.conversations[cid].end_reason = None
    write_manifest(manifest_path, manifest)

    assert load_saved_conversation(files[0]).describe() == "continue at turn 3 (process gone)"
    assert load_saved_conversation(files[2]).describe() == "start from turn 1 (never began)"
    assert load_saved_conversation(files[3]).describe() == "nothing (ended max_turns)"

    runner = ExperimentRunner.for_existing(directory, tmp_path / "crashed")
    assert sorted(runner.resumable()) == ids[:3]
    result = await runner.resume()

    assert result.status.value == "completed"
    assert runner.torn == {ids[0]: len(TORN), ids[1]: 0, ids[2]: 0}
    assert torn_path(files[0]).read_bytes() == TORN + b"\n"  # kept, next to the JSONL
    for path, expected in zip(files, reference, strict=True):
        events = read_all_events(path).events
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert _messages(path) == expected
        ends = [e for e in events if isinstance(e, ConversationEndEvent)]
        assert [(e.reason, e.total_turns) for e in ends] == [("max_turns", 4)]
    final = read_manifest(directory)
    assert final is not None
    assert (final.status, final.completed_conversations, final.interrupted_conversations,
            final.running_conversations, final.total_turns) == ("completed", 4, 0, 0, 16)


def test_resume_says_where_it_moved_a_torn_line(tmp_path: Path) -> None:
    """`resume` reports the torn line it moved, on stderr, in one line naming both files."""
    crashed = asyncio.run(ExperimentRunner(parse_spec({**SPEC, "repetitions": 1}),
                                           tmp_path).run())
    directory = crashed.experiment_dir
    jsonl = directory / conversation_jsonl_name(crashed.outcomes[0].conversation_id)
    lines = _lines(jsonl)
    cut = next(i for i, line in enumerate(lines) if b'"turn_number":2' in line
               and b"MessageCompleteEvent" in line)
    jsonl.write_bytes(b"".join(lines[:cut + 1]) + TORN)
    manifest = read_manifest(directory)
    assert manifest is not None
    manifest.status, manifest.pid = "running", 2**22 + 7  # a pid no process has
    for entry in manifest.conversations.values():
        entry.status, entry.end_reason = "running", None
    write_manifest(directory / "manifest.json", manifest)

    done = subprocess.run(cli_command("resume", "--no-post-process", "--output", str(tmp_path),
                                      crashed.experiment_id), env=cli_env(),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    reported = [line for line in done.stderr.splitlines() if "torn last line" in line]
    assert reported == [f"{jsonl.name}: torn last line ({len(TORN)} bytes) moved to "
                        f"{torn_path(jsonl).name}"]
    assert torn_path(jsonl).read_bytes() == TORN + b"\n"


async def test_a_conversation_cut_after_its_last_turn_only_gets_its_end(tmp_path: Path) -> None:
    """Every turn recorded, the end line torn: resume (and doctor) say it only records the end,
    and that is all it adds."""
    done = await ExperimentRunner(parse_spec({**SPEC, "repetitions": 1}), tmp_path).run()
    [path] = [done.experiment_dir / conversation_jsonl_name(o.conversation_id)
              for o in done.outcomes]
    lines = _lines(path)
    assert b"ConversationEndEvent" in lines[-1]
    path.write_bytes(b"".join(lines[:-1]) + lines[-1][:30])
    saved = load_saved_conversation(path)
    assert saved.describe() == "record its end: all 4 turns were done (process gone)"
    before = _messages(path)
    runner = ExperimentRunner.for_existing(done.experiment_dir, tmp_path)
    await runner.resume()
    events = read_all_events(path).events
    assert _messages(path) == before
    assert isinstance(events[-1], ConversationEndEvent) and events[-1].reason == "max_turns"


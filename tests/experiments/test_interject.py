"""`interject`, `pause --before-turn` and `resume` reach a running experiment through its control
channel: a conversation paused for a human waits, takes the interjection and carries on; the
interjection is in the record, the transcript and the payload."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pidgin_tui.cli import main
from pidgin_tui.core.types import AgentId
from pidgin_tui.experiments.payload import rebuild_payload
from pidgin_tui.experiments.session import RunSession
from pidgin_tui.record.layout import conversation_jsonl_name, transcript_path
from pidgin_tui.reports.transcript import write_transcripts
from tests.experiments.test_session import runner, until


def _kinds(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


async def test_pause_for_a_human_then_interject_then_pause_and_resume(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    session = RunSession("cli", post_process=False, poll_s=0.02)
    run = session.start(runner(tmp_path, "talk", turns=5, pace=300.0, experiment_id="talk0001"))
    directory = run.experiment_dir
    assert directory is not None
    jsonl = directory / conversation_jsonl_name("talk0001_0001")
    root = ["--output", str(tmp_path)]
    await until(lambda: jsonl.exists(), "the conversation to start")
    code = await asyncio.to_thread(main, [*root, "pause", "talk0001", "1", "--before-turn", "3"])
    assert code == 0 and "pausing talk0001_0001 before turn 3" in capsys.readouterr().out
    await until(lambda: any(e["event_type"] == "ConversationPausedEvent"
                            for e in _kinds(jsonl)), "the pause for a human")
    paused = next(e for e in _kinds(jsonl) if e["event_type"] == "ConversationPausedEvent")
    assert (paused["turn_number"], paused["reason"]) == (3, "human")
    code = await asyncio.to_thread(main, [*root, "interject", "talk0001", "1", "--to", "b",
                                          "--as", "narrator", "Talk about the weather."])
    assert code == 0 and "interjecting in 1 conversation(s)" in capsys.readouterr().out
    await until(lambda: sum(e["event_type"] == "TurnCompleteEvent" for e in _kinds(jsonl)) >= 3,
                "the third turn")
    code = await asyncio.to_thread(main, [*root, "pause", "talk0001"])
    assert code == 0
    await until(lambda: sum(e["event_type"] == "ConversationPausedEvent"
                            for e in _kinds(jsonl)) == 2, "the second pause")
    code = await asyncio.to_thread(main, [*root, "resume", "talk0001"])
    assert code == 0 and "resuming talk0001" in capsys.readouterr().out
    await session.wait(run)
    assert run.status == "completed"
    events = _kinds(jsonl)
    said = next(e for e in events if e["event_type"] == "InterjectionEvent")
    assert (said["text"], said["turn_number"], said["to"]) == \
        ("Talk about the weather.", 3, ["agent_b"])
    payload = rebuild_payload(directory, "talk0001_0001", 3, AgentId.B)
    assert payload.verified and any("[Narrator] Talk about the weather." in m.content
                                    for m in payload.messages)
    write_transcripts(directory, "talk0001_0001")
    assert "Talk about the weather." in transcript_path(directory, "talk0001_0001").read_text()
    session.close()


async def test_requests_to_an_experiment_that_is_not_running_say_so(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    done = await runner(tmp_path, "over", turns=1, pace=0, experiment_id="over0001").run()
    root = ["--output", str(tmp_path)]
    assert main([*root, "interject", "over0001", "1", "Hello?"]) == 1
    err = capsys.readouterr().err
    assert "is not running" in err and err.count("\n") == 1
    assert main([*root, "pause", "over0001", "--before-turn", "0"]) == 2
    assert "counts from 1" in capsys.readouterr().err
    assert main([*root, "interject", "over0001", "9", "Hello?"]) == 2
    assert "no conversation" in capsys.readouterr().err
    assert done.status.value == "completed"


async def test_a_headless_policy_pause_waits_for_a_human_then_carries_on(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """In a run session (a headless run), the `pause` policy does not end the conversation: it
    waits on the control channel, says how to go on, and an interjection lets it carry on."""
    import io

    from pidgin_tui.commands.execution import attach_progress
    from pidgin_tui.experiments.runner import ExperimentRunner
    from pidgin_tui.experiments.spec import parse_spec
    from tests.experiments.test_session import paced_registry

    spec = parse_spec({"agent_a": "local:test", "agent_b": "local:test", "max_turns": 3,
                       "name": "policy", "convergence_threshold": 0.0,
                       "convergence_action": "pause"})
    policy = ExperimentRunner(spec, tmp_path, registry=paced_registry(0),
                              experiment_id="plcy0001")
    printed = io.StringIO()
    attach_progress(policy.bus, printed, verbose=False)
    session = RunSession("cli", post_process=False, poll_s=0.02)
    run = session.start(policy)
    assert run.experiment_dir is not None
    jsonl = run.experiment_dir / conversation_jsonl_name("plcy0001_0001")
    await until(lambda: jsonl.exists() and any(
        e["event_type"] == "ConversationPausedEvent" for e in _kinds(jsonl)), "the pause")
    paused = next(e for e in _kinds(jsonl) if e["event_type"] == "ConversationPausedEvent")
    assert (paused["turn_number"], paused["reason"]) == (2, "human")
    assert "plcy0001_0001 paused before turn 2, waiting for you" in printed.getvalue()
    assert "pidgin-tui interject plcy0001 plcy0001_0001 TEXT" in printed.getvalue()
    assert not run.finished, "the conversation waits instead of ending as paused"
    code = await asyncio.to_thread(main, ["--output", str(tmp_path), "interject", "plcy0001",
                                          "1", "Carry on, please."])
    assert code == 0, capsys.readouterr().err
    await session.wait(run)
    assert run.status == "completed"
    end = next(e for e in _kinds(jsonl) if e["event_type"] == "ConversationEndEvent")
    assert (end["reason"], end["total_turns"]) == ("max_turns", 3)
    said = next(e for e in _kinds(jsonl) if e["event_type"] == "InterjectionEvent")
    assert (said["text"], said["turn_number"]) == ("Carry on, please.", 2)
    session.close()

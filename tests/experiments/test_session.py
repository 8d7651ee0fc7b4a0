"""The run session: control requests through the experiment's control folder, stop one of
several runs, the post-processing queue and its markers."""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path

import pytest

from pidgin_tui.core.provider_table import provider_spec
from pidgin_tui.experiments.daemon import stop_experiment
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.session import RunSession, unprocessed_experiments
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.providers.local import LocalProvider
from pidgin_tui.providers.registry import Registry, add_provider
from pidgin_tui.record import control_channel
from pidgin_tui.record.layout import control_dir, control_requests_dir, unprocessed_marker
from pidgin_tui.record.manifest import Manifest, read_manifest


def paced_registry(tokens_per_second: float) -> Registry:
    registry = Registry()
    local = provider_spec("local")
    assert local is not None
    add_provider(registry, local, lambda: LocalProvider(tokens_per_second=tokens_per_second))
    return registry


def runner(root: Path, name: str, turns: int, *, pace: float = 200.0, reps: int = 1,
           experiment_id: str | None = None) -> ExperimentRunner:
    spec = parse_spec({"agent_a": "local:test", "agent_b": "local:test", "max_turns": turns,
                       "repetitions": reps, "name": name})
    return ExperimentRunner(spec, root, registry=paced_registry(pace),
                            experiment_id=experiment_id)


async def until(condition, what: str, limit_s: float = 20.0) -> None:  # type: ignore[no-untyped-def]
    waited = 0.0
    while not condition():
        if waited > limit_s:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.02)
        waited += 0.02


def test_requests_are_read_oldest_first_and_answered(tmp_path: Path) -> None:
    first = control_channel.send_request(tmp_path, "pause", {"conversation_id": "x_0001"})
    second = control_channel.send_request(tmp_path, "stop")
    taken = control_channel.take_requests(tmp_path)
    assert [r.request_id for r in taken] == [first.request_id, second.request_id]
    assert taken[0].payload == {"conversation_id": "x_0001"} and taken[1].payload == {}
    assert control_channel.take_requests(tmp_path) == [], "taking removes them"
    control_channel.answer(tmp_path, taken[1], True, "stopping x")
    reply = control_channel.read_reply(tmp_path, second.request_id)
    assert reply is not None and reply.ok and reply.outcome == "stopping x"
    assert reply.by_pid == os.getpid()
    assert control_channel.read_reply(tmp_path, second.request_id) is None, "collected once"


@pytest.mark.parametrize("type_, payload", [("Stop!", None), ("../x", None), ("stop", [1])])
def test_a_malformed_request_is_refused_before_it_is_written(tmp_path: Path, type_: str,
                                                             payload: object) -> None:
    with pytest.raises(control_channel.BadRequest):
        control_channel.send_request(tmp_path, type_, payload)  # type: ignore[arg-type]
    assert not control_requests_dir(tmp_path).exists()


def test_an_unreadable_request_file_is_answered_with_a_refusal(tmp_path: Path) -> None:
    folder = control_requests_dir(tmp_path)
    folder.mkdir(parents=True)
    (folder / "00000000000000000001_abc123.json").write_text("{not json")
    (folder / ".half-written.json.tmp").write_text("{")
    assert control_channel.take_requests(tmp_path) == []
    reply = control_channel.read_reply(tmp_path, "abc123")
    assert reply is not None and not reply.ok and reply.outcome.startswith("refused: not a JSON")
    assert (folder / ".half-written.json.tmp").exists(), "another writer's temporary file"


async def test_stop_one_experiment_of_a_session_the_other_goes_on(tmp_path: Path) -> None:
    """`pidgin-tui stop A` (here its function, in a thread like another process) stops A
    through the control folder; B in the same process runs to the end."""
    replies = []
    session = RunSession("app", post_process=False, poll_s=0.02,
                         on_request=lambda run, request, reply: replies.append(reply))
    a = session.start(runner(tmp_path, "a", turns=40, experiment_id="aaaa0001"))
    b = session.start(runner(tmp_path, "b", turns=3, pace=400.0, experiment_id="bbbb0001"))
    assert a.experiment_dir is not None and b.experiment_dir is not None
    listening = control_channel.listener(a.experiment_dir)
    assert listening is not None and (listening.pid, listening.host) == (os.getpid(), "app")
    await until(lambda: (read_manifest(a.experiment_dir) or Manifest()).total_turns >= 1,
                "a's first turn")
    result = await asyncio.to_thread(stop_experiment, tmp_path, "aaaa0001", wait_s=20)
    assert result.outcome == "stopped" and result.status == "interrupted"
    assert result.reply == "stopping aaaa0001"
    await session.wait(a)
    await session.wait(b)
    manifest = read_manifest(a.experiment_dir)
    assert manifest is not None
    conversation = manifest.conversations["aaaa0001_0001"]
    assert (conversation.status, conversation.end_reason) == ("interrupted", "stopped")
    assert b.status == "completed", "the other experiment was not touched"
    assert [r.outcome for r in replies] == ["stopping aaaa0001"]
    assert not control_dir(a.experiment_dir).exists(), "the control folder is tidied at the end"
    session.close()


async def test_requests_pause_interject_resume_and_unknown_types(tmp_path: Path) -> None:
    session = RunSession("cli", post_process=False, poll_s=0.02)
    run = session.start(runner(tmp_path, "talk", turns=3, pace=400.0))
    directory = run.experiment_dir
    assert directory is not None
    await until(lambda: run.runner.control.conversations, "the conversation to start")
    cid = run.runner.conversation_ids()[0]
    sent = [control_channel.send_request(directory, "pause", {"conversation_id": cid}),
            control_channel.send_request(directory, "interject", {"text": "Please rhyme.",
                                                                 "conversation_id": cid}),
            control_channel.send_request(directory, "interject", {"text": ""}),
            control_channel.send_request(directory, "pause", {"conversation_id": "nope"}),
            control_channel.send_request(directory, "sing")]
    jsonl = directory / f"conv_{cid}_events.jsonl"
    await until(lambda: "ConversationPausedEvent" in jsonl.read_text(), "the pause")
    control_channel.send_request(directory, "resume")
    await session.wait(run)
    replies = [control_channel.read_reply(directory, r.request_id) for r in sent]
    lines = [json.loads(line) for line in jsonl.read_text().splitlines()]
    said = next(e for e in lines if e["event_type"] == "InterjectionEvent")
    assert [(r.ok, r.outcome, r.pending) for r in replies if r is not None] == [
        (True, f"pausing {cid}", False),
        (True, f"interjection delivered to {cid} at turn {said['turn_number']}", False),
        (False, "refused: an interjection needs some text", False),
        (False, f"refused: {run.experiment_id} has no conversation 'nope'", False),
        (False, "refused: unknown request type 'sing'", False)]
    kinds = [line["event_type"] for line in lines]
    assert "ConversationPausedEvent" in kinds and "ConversationResumedEvent" in kinds
    assert [e["text"] for e in lines if e["event_type"] == "InterjectionEvent"] == \
        ["Please rhyme."]
    assert run.status == "completed"
    session.close()


async def test_every_ended_run_is_post_processed_in_order_and_unmarked(tmp_path: Path) -> None:
    done = []
    session = RunSession("cli", on_post_processed=lambda result: done.append(result))
    first = session.start(runner(tmp_path, "one", turns=1, pace=0))
    second = session.start(runner(tmp_path, "two", turns=1, pace=0))
    await session.wait(first)
    await session.wait(second)
    await session.drain()
    assert [r.experiment_dir for r in done] == [first.experiment_dir, second.experiment_dir]
    assert all(r.ok for r in done)
    for run in (first, second):
        assert run.experiment_dir is not None
        assert (run.experiment_dir / "README.md").is_file()
        assert not unprocessed_marker(run.experiment_dir).exists()
    assert session.pending_post_processing == []
    session.close()


async def test_a_run_abandoned_before_post_processing_is_found_next_time(tmp_path: Path) -> None:
    """Quitting drops the queue: the marker stays, and the next start finds the experiment."""
    session = RunSession("app", on_finished=lambda run: session.close())  # exits at once
    run = session.start(runner(tmp_path, "left", turns=1, pace=0))
    await until(lambda: run.finished, "the run to end")
    assert run.experiment_dir is not None
    assert unprocessed_marker(run.experiment_dir).exists()
    assert unprocessed_experiments(tmp_path) == [run.experiment_dir]
    later = RunSession("app")
    for path in unprocessed_experiments(tmp_path):
        later.post_process(path)
    [result] = await later.drain()
    assert result.ok and (run.experiment_dir / "README.md").is_file()
    assert unprocessed_experiments(tmp_path) == []

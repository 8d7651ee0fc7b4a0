"""`interject`, `pause --before-turn` and `resume` reach a running experiment through its control
channel: a conversation paused for a human waits, takes the interjection and carries on; the
interjection is in the record, the transcript and the payload."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from pidgin_tui.cli import main
from pidgin_tui.core.control import Interjection
from pidgin_tui.core.events import TurnCompleteEvent
from pidgin_tui.core.types import AgentId, Speaker
from pidgin_tui.experiments.payload import rebuild_payload
from pidgin_tui.experiments.session import RunSession
from pidgin_tui.record import control_channel
from pidgin_tui.record.layout import conversation_jsonl_name, transcript_path
from pidgin_tui.record.manifest import read_manifest
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
    out = capsys.readouterr().out
    assert code == 0, "the command waits and says where its text went"
    assert "interjection delivered to talk0001_0001 at turn 3" in out  # (queued line or not:
    # a conversation paused for it takes it at once, before the command reads "queued")
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
    manifest_path = run.experiment_dir / "manifest.json"

    def shown_paused() -> bool:  # what `list`, `show` and `monitor` read
        manifest = read_manifest(manifest_path)
        entry = manifest.conversations.get("plcy0001_0001") if manifest else None
        return entry is not None and entry.status == "paused"

    await until(shown_paused, "the manifest saying paused")
    code = await asyncio.to_thread(main, ["--output", str(tmp_path), "interject", "plcy0001",
                                          "1", "Carry on, please."])
    assert code == 0, capsys.readouterr().err
    assert "interjection delivered to plcy0001_0001 at turn 2" in capsys.readouterr().out
    await session.wait(run)
    assert run.status == "completed"
    end = next(e for e in _kinds(jsonl) if e["event_type"] == "ConversationEndEvent")
    assert (end["reason"], end["total_turns"]) == ("max_turns", 3)
    said = next(e for e in _kinds(jsonl) if e["event_type"] == "InterjectionEvent")
    assert (said["text"], said["turn_number"]) == ("Carry on, please.", 2)
    session.close()


async def test_an_interjection_still_waiting_when_the_conversation_ends_is_reported(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Queued, then the conversation stops before its next safe point: the request's reply
    becomes "not delivered" and the headless run prints it; nothing is recorded as said."""
    from pidgin_tui.commands.execution import execute

    late = runner(tmp_path, "late", turns=6, pace=300.0, experiment_id="late0001")
    task = asyncio.create_task(execute(late, resume=False, post_process=False))
    await until(lambda: late.experiment_dir is not None and (
        late.experiment_dir / conversation_jsonl_name("late0001_0001")).exists(), "the start")
    assert late.experiment_dir is not None
    cid = {"conversation_id": "late0001_0001"}
    said = control_channel.send_request(late.experiment_dir, "interject",
                                        {**cid, "text": "Too late?"})
    control_channel.send_request(late.experiment_dir, "stop", cid)  # both taken in one poll
    await task
    reply = control_channel.read_reply(late.experiment_dir, said.request_id)
    assert reply is not None and not reply.ok
    assert reply.outcome == ("interjection not delivered to late0001_0001: the conversation "
                             "ended (stopped) before its next safe point")
    assert f"warning: {reply.outcome}" in capsys.readouterr().err
    jsonl = late.experiment_dir / conversation_jsonl_name("late0001_0001")
    assert not any(e["event_type"] == "InterjectionEvent" for e in _kinds(jsonl))


async def test_the_command_says_its_interjection_was_not_delivered_when_a_stop_came_first(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`pidgin-tui interject` does not stop at "queued": a conversation paused by the user takes
    the text into its queue, then is stopped before its next safe point; the command reports
    the late "not delivered" on stderr and exits 1, and nothing is recorded as said."""
    answered: list[str] = []
    session = RunSession("cli", post_process=False, poll_s=0.02,
                         on_request=lambda run, request, reply: answered.append(request.type))
    run = session.start(runner(tmp_path, "miss", turns=5, pace=300.0, experiment_id="miss0001"))
    assert run.experiment_dir is not None
    jsonl = run.experiment_dir / conversation_jsonl_name("miss0001_0001")
    root = ["--output", str(tmp_path)]
    await until(lambda: jsonl.exists(), "the conversation to start")
    assert await asyncio.to_thread(main, [*root, "pause", "miss0001", "1"]) == 0
    await until(lambda: any(e["event_type"] == "ConversationPausedEvent"
                            for e in _kinds(jsonl)), "the pause")
    said = asyncio.create_task(asyncio.to_thread(
        main, [*root, "interject", "miss0001", "1", "Are you there?"]))
    await until(lambda: "interject" in answered, "the interjection to be queued")
    # (sent as a request: the stop command may fall back to a signal, here to pytest itself)
    control_channel.send_request(run.experiment_dir, "stop")
    assert await said == 1
    err = capsys.readouterr().err
    assert ("interjection not delivered to miss0001_0001: the conversation ended (stopped) "
            "before its next safe point") in err
    await session.wait(run)
    assert not any(e["event_type"] == "InterjectionEvent" for e in _kinds(jsonl))
    session.close()


async def test_interject_with_wait_zero_returns_once_queued(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`--wait 0` trusts the queue: exit 0 on "queued"; the delivery still happens."""
    session = RunSession("cli", post_process=False, poll_s=0.02)
    run = session.start(runner(tmp_path, "fire", turns=3, pace=300.0, experiment_id="fire0001"))
    assert run.experiment_dir is not None
    jsonl = run.experiment_dir / conversation_jsonl_name("fire0001_0001")
    await until(lambda: jsonl.exists(), "the conversation to start")
    code = await asyncio.to_thread(main, ["--output", str(tmp_path), "interject", "fire0001",
                                          "1", "--wait", "0", "Quick note."])
    out = capsys.readouterr().out
    assert code == 0 and "interjection queued for fire0001_0001" in out
    assert "delivered to" not in out
    await session.wait(run)
    assert [e["text"] for e in _kinds(jsonl) if e["event_type"] == "InterjectionEvent"] == \
        ["Quick note."]
    session.close()


async def test_interjecting_into_a_conversation_that_ended_is_refused(tmp_path: Path) -> None:
    from pidgin_tui.experiments.control_handlers import RequestRefused, handle_interject
    from pidgin_tui.record.control_channel import ControlRequest

    done = runner(tmp_path, "done", turns=1, reps=2, pace=0, experiment_id="done0001")
    told: list[tuple[str, str, str]] = []
    done.control.on_undelivered = lambda cid, items, reason: told.extend(
        (cid, i.text, reason) for i in items)
    await done.run()
    ask = ControlRequest("ab12", "interject", {"conversation_id": "done0001_0002",
                                               "text": "Anyone?"})
    with pytest.raises(RequestRefused, match="not delivered to done0001_0002: the "
                                             r"conversation ended \(max_turns\)"):
        handle_interject(done, ask)
    with pytest.raises(RequestRefused, match="no conversation of done0001 is running"):
        handle_interject(done, ControlRequest("ab13", "interject", {"text": "Anyone?"}))
    # the app's own input reaches the control directly: the same report, never silence
    control = done.control.for_conversation("done0001_0001")
    assert control.interject(Interjection("Hello?")) is False
    assert told == [("done0001_0001", "Hello?", "max_turns")] and control.pending == []


async def test_an_interjection_spoken_as_an_agent_is_routed_as_that_agents_words(
        tmp_path: Path) -> None:
    """Speaking as A (the researcher chose to): A is sent the text as its own earlier words
    (`assistant`), B as A's (`user`); unmarked, unlike the narrator's; the payloads verify."""
    talk = runner(tmp_path, "asa", turns=3, pace=0, experiment_id="asa00001")

    def interject(event: TurnCompleteEvent) -> None:
        if event.turn_number == 1:
            talk.control.for_conversation(event.conversation_id or "").interject(
                Interjection("I, A, would rather talk about rivers.", Speaker.A,
                             (AgentId.A, AgentId.B)))

    talk.bus.subscribe(TurnCompleteEvent, interject)
    result = await talk.run()
    for agent, role in ((AgentId.A, "assistant"), (AgentId.B, "user")):
        payload = rebuild_payload(result.experiment_dir, "asa00001_0001", 2, agent)
        assert payload.verified, (agent, payload.notes)
        said = [m for m in payload.messages if "would rather talk about rivers" in m.content]
        assert [m.role for m in said] == [role], agent
        assert "[Narrator]" not in said[0].content


async def _paused_by_spec(tmp_path: Path, experiment_id: str):  # type: ignore[no-untyped-def]
    """A run of `pause_before_turn: 2`, once its conversation waits before turn 2."""
    from pidgin_tui.experiments.runner import ExperimentRunner
    from pidgin_tui.experiments.spec import parse_spec

    spec = parse_spec({"agent_a": "local:instant", "agent_b": "local:instant", "max_turns": 3,
                       "name": "hold", "pause_before_turn": 2})
    session = RunSession("cli", post_process=False, poll_s=0.02)
    run = session.start(ExperimentRunner(spec, tmp_path, experiment_id=experiment_id))
    assert run.experiment_dir is not None
    jsonl = run.experiment_dir / conversation_jsonl_name(f"{experiment_id}_0001")
    await until(lambda: jsonl.exists() and any(
        e["event_type"] == "ConversationPausedEvent" for e in _kinds(jsonl)), "the pause")
    return session, run, jsonl


async def test_the_spec_pauses_for_a_human_before_its_turn_and_stop_ends_it(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`pause_before_turn: 2` pauses the conversation for a human before turn 2, as `pause
    --before-turn 2` does; `stop` then ends it as it ends a running one: `stopped
    (interrupted)`, the experiment interrupted, the conversation's end reason `stopped`."""
    root = ["--output", str(tmp_path)]
    assert main([*root, "run", "--dry-run", "--pause-before-turn", "0"]) == 2
    assert "pause_before_turn: expected an integer >= 1, got 0" in capsys.readouterr().err
    session, run, jsonl = await _paused_by_spec(tmp_path, "hold0001")
    paused = next(e for e in _kinds(jsonl) if e["event_type"] == "ConversationPausedEvent")
    assert (paused["turn_number"], paused["reason"]) == (2, "human")
    assert sum(e["event_type"] == "TurnCompleteEvent" for e in _kinds(jsonl)) == 1
    assert not run.finished
    code = await asyncio.to_thread(main, [*root, "stop", "hold0001"])
    assert code == 0 and "hold0001: stopped (interrupted)" in capsys.readouterr().out
    await session.wait(run)
    manifest = read_manifest(run.experiment_dir)
    assert manifest is not None and manifest.status == "interrupted"
    entry = manifest.conversations["hold0001_0001"]
    assert (entry.status, entry.end_reason) == ("interrupted", "stopped")
    session.close()


def test_a_conversation_interrupted_while_paused_by_the_spec_resumes_without_pausing(
        tmp_path: Path) -> None:
    """Interrupted while it waits before turn 2 (as by a signal), `resume` continues it at
    turn 2 and does not pause there a second time."""
    async def interrupted() -> Path:
        session, run, jsonl = await _paused_by_spec(tmp_path, "hold0002")
        run.runner.interrupt()
        await session.wait(run)
        session.close()
        return jsonl

    jsonl = asyncio.run(interrupted())
    assert main(["--output", str(tmp_path), "resume", "hold0002", "-q",
                 "--no-post-process"]) == 0
    events = _kinds(jsonl)
    assert sum(e["event_type"] == "ConversationPausedEvent" for e in events) == 1
    end = [e for e in events if e["event_type"] == "ConversationEndEvent"][-1]
    assert (end["reason"], end["total_turns"]) == ("max_turns", 3)

"""Every reader of a conversation agrees with ConversationRecord, and so does the DuckDB import.

Hypothesis writes event streams the way a run can leave them: complete, stopped mid-turn,
paused, failed, crashed without an end event, with a torn last line, with unpriced responses,
cached prompts and retried requests. Each file is then read by every reader the product has
(the whole record, an incremental tail in arbitrary byte chunks, the transcript view's filtered
read, resume, the metric series, the experiment record the reports use, the rendered
transcript, the monitor's rows and the doctor's report) and imported into DuckDB; all must
report the same turns, status, tokens (cache reads and writes included), cost and end reason,
and the same 1-based turn numbers. Files are written as schema version 1 wrote them (turns and
repetitions from 0), in full lines, or by today's writer (every line after the first compact,
leaving its time, models and settings to the first): all read and import as the same record.
"""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import dataclass
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pidgin_tui.core import events as ev
from pidgin_tui.database.event_store import EventStore
from pidgin_tui.experiments.checkup import check
from pidgin_tui.experiments.metric_series import read_series
from pidgin_tui.experiments.monitor_state import MonitorState
from pidgin_tui.experiments.resume import load_saved_conversation, manifest_for_resume
from pidgin_tui.record.compact import is_compact
from pidgin_tui.record.conversation import TRANSCRIPT_EVENTS, ConversationRecord
from pidgin_tui.record.experiment import ExperimentRecord
from pidgin_tui.record.jsonl import JsonlWriter
from pidgin_tui.record.layout import MANIFEST_NAME, STATE_LOG_NAME, conversation_jsonl_name
from pidgin_tui.record.manifest import new_manifest, read_manifest
from pidgin_tui.record.tracking import TrackingSubscriber
from pidgin_tui.reports.transcript import render_transcript
from pidgin_tui.tui.state import RunStore

EXP = "agree001"
CONV = f"{EXP}_0001"
ENDINGS = ("completed", "stopped", "paused", "failed", "crashed")
AGENTS = ("agent_a", "agent_b")


@dataclass(frozen=True)
class Response:
    input_tokens: int
    output_tokens: int
    cache_read: int
    cache_write: int
    reasoning: int
    cost: float | None
    retries: int


responses = st.builds(
    Response,
    input_tokens=st.integers(0, 5000), output_tokens=st.integers(0, 2000),
    cache_read=st.integers(0, 300), cache_write=st.integers(0, 300),
    reasoning=st.integers(0, 100),
    cost=st.one_of(st.none(), st.floats(0, 0.05, allow_nan=False)),
    retries=st.integers(0, 2))


@st.composite
def streams(draw: st.DrawFn) -> tuple[list[ev.Event], str, bool]:
    """(events, ending, torn): one conversation's events as a run would write them (1-based)."""
    max_turns = draw(st.integers(1, 6))
    ending = draw(st.sampled_from(ENDINGS))
    turns = draw(st.integers(0, max_turns if ending == "completed" else max_turns - 1))
    if ending == "completed":
        turns = max_turns
    ids = {"experiment_id": EXP, "conversation_id": CONV}
    out: list[ev.Event] = [
        ev.ConversationStartEvent(**ids, agent_a_model="local:test", agent_b_model="local:test",
                                  max_turns=max_turns, initial_prompt="Hello", repetition=1),
        *(ev.SystemPromptEvent(**ids, agent_id=a, prompt=f"you are {a}") for a in AGENTS)]

    def exchange(turn: int, agent: str, response: Response, finish: str = "stop") -> None:
        for attempt in range(1, response.retries + 1):
            out.append(ev.APIErrorEvent(**ids, agent_id=agent, error_message="overloaded",
                                        retryable=True, attempt=attempt, turn_number=turn))
        out.append(ev.MessageRequestEvent(**ids, agent_id=agent, turn_number=turn,
                                          model="local:test", message_count=2 * turn + 1,
                                          payload_sha256=f"{turn:064x}",
                                          attempt=response.retries + 1))
        out.append(ev.MessageCompleteEvent(**ids, agent_id=agent, turn_number=turn,
                                           content=f"turn {turn} from {agent}",
                                           model="local:test", finish_reason=finish))
        out.append(ev.TokenUsageEvent(
            **ids, agent_id=agent, turn_number=turn, model="local:test", provider="local",
            input_tokens=response.input_tokens, output_tokens=response.output_tokens,
            cache_read_tokens=response.cache_read, cache_write_tokens=response.cache_write,
            reasoning_tokens=response.reasoning,
            cost_usd=response.cost))

    for turn in range(1, turns + 1):
        out.append(ev.TurnStartEvent(**ids, turn_number=turn))
        for agent in AGENTS:
            exchange(turn, agent, draw(responses))
        out.append(ev.TurnCompleteEvent(**ids, turn_number=turn,
                                        convergence_score=draw(st.floats(0, 1)),
                                        metrics={"a_words": float(turn)}, metrics_version=2))
    end: ev.ConversationEndEvent | None = None
    if ending == "completed":
        end = ev.ConversationEndEvent(**ids, reason="max_turns", total_turns=turns)
    elif ending == "stopped":
        out.append(ev.TurnStartEvent(**ids, turn_number=turns + 1))
        exchange(turns + 1, "agent_a", draw(responses), finish="interrupted")
        end = ev.ConversationEndEvent(**ids, reason="interrupted", total_turns=turns,
                                      status="interrupted")
    elif ending == "paused":
        out.append(ev.ConversationPausedEvent(**ids, turn_number=turns + 1))
        end = ev.ConversationEndEvent(**ids, reason="paused", total_turns=turns,
                                      status="interrupted")
    elif ending == "failed":
        out.append(ev.APIErrorEvent(**ids, agent_id="agent_a", error_message="bad request",
                                    turn_number=turns + 1))
        end = ev.ConversationEndEvent(**ids, reason="error", total_turns=turns, status="failed",
                                      error="bad request")
    if end is not None:
        out.append(end)
    for seq, event in enumerate(out, 1):
        event.seq = seq
    return out, ending, draw(st.booleans())


def as_version_1(event: ev.Event) -> bytes:
    """The line schema version 1 wrote for `event`: turns and repetitions counted from 0."""
    changes: dict[str, object] = {"schema_version": 1}
    if getattr(event, "turn_number", None) is not None:
        changes["turn_number"] = event.turn_number - 1  # type: ignore[attr-defined]
    if isinstance(event, ev.ConversationStartEvent):
        changes["repetition"] = event.repetition - 1
    if isinstance(event, ev.EndStateDetectedEvent):
        changes["onset_turn"] = event.onset_turn - 1
    return ev.encode_event(msgspec.structs.replace(event, **changes))


WRITERS = ("schema 1", "full lines", "compact lines")
"""How a file is written: as schema version 1 wrote it (turns from 0), every line in full, or
by today's writer (each line after the first compact, `record.compact`)."""


def write(root: Path, events: list[ev.Event], torn: bool,
          writer: str = "full lines") -> tuple[Path, Path]:
    exp_dir = root / "experiments" / f"experiment_{EXP}_agree_20260101"
    exp_dir.mkdir(parents=True)
    path = exp_dir / conversation_jsonl_name(CONV)
    if writer == "compact lines":
        jsonl = JsonlWriter(path)
        for event in events:
            jsonl.write(event)
        jsonl.close()
        assert all(is_compact(line) for line in path.read_bytes().splitlines()[1:])
    else:
        encode = as_version_1 if writer == "schema 1" else ev.encode_event
        path.write_bytes(b"".join(encode(e) + b"\n" for e in events))
    if torn:  # a line cut short by a crash: never part of what any reader reports
        with open(path, "ab") as handle:
            handle.write(ev.encode_event(ev.TurnStartEvent(
                experiment_id=EXP, conversation_id=CONV, turn_number=99))[:25])
    (exp_dir / MANIFEST_NAME).write_text(json.dumps(
        {"experiment_id": EXP, "name": "agree", "status": "completed",
         "total_conversations": 1, "conversations": {}}), encoding="utf-8")
    return exp_dir, path


def facts(turns: int, status: str, tokens: tuple[int, ...], cost: float | None,
          end_reason: str | None) -> tuple[object, ...]:
    rounded = None if cost is None else round(cost, 9)
    return turns, status, tokens, rounded, end_reason


def record_facts(record: ConversationRecord, live: bool = False) -> tuple[object, ...]:
    return facts(record.turns_completed, record.settled_status(live),
                 (record.input_tokens, record.output_tokens, record.cache_read_tokens,
                  record.cache_write_tokens, record.reasoning_tokens), record.cost_usd,
                 record.end_reason)


def live_readers_facts(root: Path, events: list[ev.Event]) -> tuple[tuple[object, ...], ...]:
    """What the app's live store and the tracking subscriber's manifest say, fed the stream as
    the bus delivers it (a crashed conversation is still `running` to both: nothing ended it)."""
    store = RunStore(lambda: 0.0)
    store.add_experiment(EXP, "agree", [CONV], {a: ("local:test", 1000) for a in AGENTS})
    tracked = root / "tracked"
    tracked.mkdir()
    start = events[0]
    assert isinstance(start, ev.ConversationStartEvent)
    config = {"name": "agree", "agent_a": "local:test", "agent_b": "local:test",
              "max_turns": start.max_turns}
    tracking = TrackingSubscriber(tracked, new_manifest(EXP, "agree", config, 1, "2026-01-01"))
    for event in events:
        store.apply(event)
        tracking.handle(event)
    tracking.close()
    live = store.conversation(CONV)
    agents = live.agents.values()
    cost = None if any(a.unpriced for a in agents) else sum(a.cost_usd for a in agents)
    store_facts = facts(live.turns_completed, live.status,
                        (sum(a.input_tokens for a in agents),
                         sum(a.output_tokens for a in agents)), cost, live.end_reason)
    manifest = read_manifest(tracked)
    assert manifest is not None
    entry = manifest.conversations[CONV]
    manifest_facts = facts(entry.turns_completed, entry.status,
                           (entry.input_tokens, entry.output_tokens, entry.cache_read_tokens,
                            entry.cache_write_tokens, entry.reasoning_tokens), entry.cost_usd,
                           entry.end_reason)
    summary = facts(manifest.total_turns, next(
        (s for s in ("running", "completed", "failed", "interrupted") if manifest.count(s)),
        "created"),
        (manifest.input_tokens, manifest.output_tokens, manifest.cache_read_tokens,
         manifest.cache_write_tokens, manifest.reasoning_tokens), manifest.total_cost_usd,
        entry.end_reason)
    return store_facts, manifest_facts, summary, manifest


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(stream=streams(), chunk=st.integers(1, 400), writer=st.sampled_from(WRITERS))
def test_every_reader_and_the_import_agree(tmp_path_factory, stream, chunk: int,
                                           writer: str) -> None:
    events, ending, torn = stream
    root = tmp_path_factory.mktemp("agree")
    exp_dir, path = write(root, events, torn, writer)
    expected = ConversationRecord.read(path)
    truth = record_facts(expected)
    messages = [(m.turn_number, m.agent_id) for m in events
                if isinstance(m, ev.MessageCompleteEvent)]
    # Turn numbers as generated (1-based), whichever version wrote the file.
    assert [(m.turn_number, m.agent_id) for m in expected.messages] == messages
    assert expected.completed_turns == set(range(1, truth[0] + 1))  # type: ignore[operator]
    assert expected.repetition == 1
    usage = [e for e in events if isinstance(e, ev.TokenUsageEvent)]
    # The record itself, against the stream as generated.
    assert truth[0] == sum(isinstance(e, ev.TurnCompleteEvent) for e in events)
    assert truth[2][0] == sum(u.input_tokens for u in usage)
    assert (truth[3] is None) == any(u.cost_usd is None for u in usage)
    assert expected.unpriced_requests == sum(u.cost_usd is None for u in usage)
    assert truth[1] == {"completed": "completed", "failed": "failed"}.get(ending, "interrupted")

    # A tail reading the file as it grows, in arbitrary byte chunks (torn lines mid-way).
    data = path.read_bytes()
    growing = root / "growing.jsonl"
    tail = ConversationRecord(path=growing, detail=False)
    with growing.open("wb") as writer:  # appended to, as a run writes it
        tail.read_more()  # the file exists, still empty
        for start in range(0, len(data) + chunk, chunk):
            writer.write(data[start:start + chunk])
            writer.flush()
            tail.read_more()
    assert record_facts(tail) == truth and not tail.parse_errors

    # The transcript view's fast path: turns, status and end reason from a filtered read.
    shown = ConversationRecord.read(path, types=TRANSCRIPT_EVENTS)
    assert (shown.turns_completed, shown.settled_status(False), shown.end_reason) == \
        (truth[0], truth[1], truth[4])

    # The reports' experiment record and the transcript they render.
    experiment = ExperimentRecord.load(exp_dir)
    conv = experiment.conversations[CONV]
    assert record_facts(conv) == truth
    assert experiment.status_of(conv) == truth[1]
    text = render_transcript(conv, experiment)
    assert f"**Turns:** {truth[0]} of " in text
    assert ("**Cost:** unpriced" in text) == (truth[3] is None)

    # The app's live store and the tracking subscriber's manifest, fed from the bus.
    running = record_facts(expected, live=True)
    store_facts, manifest_facts, summary, manifest = live_readers_facts(root, events)
    assert store_facts == running[:2] + (running[2][:2],) + running[3:]
    assert manifest_facts == running and summary == running
    assert manifest.total_tokens == expected.total_tokens

    # Resume and the manifest it starts from.
    saved = load_saved_conversation(path)
    assert (saved.point.turns_completed, saved.end_reason) == (truth[0], truth[4])
    assert saved.crashed == (ending == "crashed")
    resumed = manifest_for_resume(manifest, {CONV: saved})
    assert resumed.conversations[CONV].status == truth[1]
    assert resumed.total_turns == truth[0]
    assert resumed.count(str(truth[1])) == 1
    assert [(t, a.value) for t, a, _text in saved.point.messages] == [
        (m.turn_number, m.agent_id) for m in events
        if isinstance(m, ev.MessageCompleteEvent) and m.finish_reason != "interrupted"]
    series = read_series([path])
    assert sorted(series.values[CONV].get("a_words", {})) == list(range(1, truth[0] + 1))
    turn_headers = [line for line in text.splitlines() if line.startswith("## Turn ")]
    assert turn_headers == [f"## Turn {t}" for t in sorted({t for t, _a in messages})]

    # The DuckDB import.
    store = EventStore(root / "agree.duckdb")
    store.import_experiment(exp_dir)
    row = store.query(
        "SELECT total_turns, status, input_tokens, output_tokens, cache_read_tokens, "
        "cache_write_tokens, reasoning_tokens, cost_usd, end_reason FROM conversations").rows[0]
    db = facts(row[0], row[1], tuple(row[2:7]), row[7], row[8])
    assert store.query("SELECT repetition FROM conversations").rows == [(1,)]
    assert [tuple(r) for r in store.query(
        "SELECT turn_number, agent_id FROM messages ORDER BY turn_number, agent_id").rows] == \
        sorted(messages)
    assert [r[0] for r in store.query(
        "SELECT turn_number FROM turn_metrics_wide ORDER BY turn_number").rows] == \
        list(range(1, truth[0] + 1))  # type: ignore[operator]
    assert [r[0] for r in store.query(
        "SELECT DISTINCT CAST(data->>'turn_number' AS INTEGER) AS t FROM events "
        "WHERE event_type = 'MessageCompleteEvent' ORDER BY t").rows] == \
        sorted({t for t, _a in messages})
    assert db[:3] == truth[:3] and db[4] == truth[4]
    assert (db[3] is None) == (truth[3] is None)
    if truth[3] is not None:
        assert math.isclose(db[3], truth[3], abs_tol=1e-9)

    # The monitor's rows and the doctor's report, over the file with the manifest its writer
    # left (this process is the run's: a conversation no end event closed is still running).
    for name in (MANIFEST_NAME, STATE_LOG_NAME):
        shutil.copy(root / "tracked" / name, exp_dir / name)
    rows = MonitorState(root).refresh()
    assert [r.experiment_id for r in rows] == [EXP] and rows[0].status != "damaged"
    shown_conv = rows[0].conversations[0]
    assert (shown_conv.turns, shown_conv.status, shown_conv.tokens, shown_conv.end_reason) == \
        (truth[0], running[1], expected.total_tokens, truth[4])
    assert (rows[0].turns, rows[0].tokens) == (truth[0], expected.total_tokens)
    doctor = check(exp_dir, root)
    assert doctor.verdict in ("ok", "needs resume") and doctor.diagnosis.damage == []
    assert [(r.events, bool(r.torn_bytes)) for r in doctor.diagnosis.files] == \
        [(len(events), torn)]
    assert (doctor.verdict == "needs resume") == saved.resumable
    assert doctor.import_.startswith(f"load {len(events)} events from 1 conversation file(s)")

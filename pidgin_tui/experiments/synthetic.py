"""Synthetic experiments on disk (manifest + JSONL) for tests, snapshots and benchmarks.

Files are written the way the tracking subscriber writes them, but without fsyncs and with
deterministic ids, timestamps and text, so thousands of experiments can be laid out quickly and
snapshots stay identical between runs.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec

from pidgin_tui.core.events import (
    FIRST_REPETITION,
    FIRST_TURN,
    ConversationEndEvent,
    ConversationStartEvent,
    Event,
    ExperimentCompleteEvent,
    ExperimentStartEvent,
    MessageCompleteEvent,
    TokenUsageEvent,
    TurnCompleteEvent,
    TurnStartEvent,
    encode_event,
)
from pidgin_tui.core.types import AgentId, EndReason, Status
from pidgin_tui.record.layout import (
    EXPERIMENT_EVENTS_NAME,
    MANIFEST_NAME,
    conversation_jsonl_name,
    experiments_dir,
)
from pidgin_tui.record.manifest import new_manifest, write_manifest
from pidgin_tui.record.manifest_types import ConversationEntry

EPOCH = datetime(2026, 1, 15, 9, 0, 0, tzinfo=UTC)
"""The default start time of synthetic experiments (a fixed clock for snapshots)."""
OPENING = "Hello! What would you like to explore?"
"""The opening prompt of synthetic conversations unless one is given."""
_WORDS = ("signal noise pattern mirror language tide seed lantern map territory memory story "
          "echo rhythm bridge orbit texture silence question drift shape meaning river harbour "
          "spiral field garden weave thread compass horizon").split()


def message_text(rng: random.Random, words: int) -> str:
    chosen = [rng.choice(_WORDS) for _ in range(words)]
    sentences, start = [], 0
    while start < len(chosen):
        end = min(len(chosen), start + rng.randint(6, 14))
        sentence = " ".join(chosen[start:end])
        sentences.append(sentence[0].upper() + sentence[1:] + ".")
        start = end
    return " ".join(sentences)


def conversation_events(experiment_id: str, conversation_id: str, turns: int, *,
                        max_turns: int | None = None, ended: bool = True, words: int = 40,
                        start: datetime = EPOCH, seed: int = 0, thinking: bool = False,
                        phrases: dict[int, str] | None = None,
                        model: str = "local:test", prompt: str = OPENING) -> Iterator[Event]:
    """The events of one conversation of `turns` turns; `phrases` puts text into given turns
    (numbered from 1, as in the events)."""
    rng = random.Random(f"{conversation_id}:{seed}")
    clock = iter(start + timedelta(milliseconds=250 * i) for i in range(10**9))
    seq = iter(range(1, 10**9))

    def ids() -> dict[str, Any]:
        n = next(seq)
        return {"experiment_id": experiment_id, "conversation_id": conversation_id, "seq": n,
                "event_id": f"{conversation_id}-{n}", "timestamp": next(clock).isoformat()}

    yield ConversationStartEvent(**ids(), agent_a_model=model, agent_b_model=model,
                                 agent_a_name="Ada", agent_b_name="Bo",
                                 initial_prompt=prompt,
                                 max_turns=max_turns or turns)
    for index in range(turns):
        turn = index + FIRST_TURN
        yield TurnStartEvent(**ids(), turn_number=turn)
        for agent in AgentId:
            text = message_text(rng, words)
            if phrases and turn in phrases and agent == AgentId.B:
                text = f"{text} {phrases[turn]}"
            yield MessageCompleteEvent(**ids(), agent_id=agent, turn_number=turn, content=text,
                                       model=model, tokens_used=words + 5,
                                       thinking=message_text(rng, 36) if thinking else None)
            yield TokenUsageEvent(**ids(), agent_id=agent, turn_number=turn, model=model,
                                  provider="local", input_tokens=30 + index, output_tokens=words,
                                  cost_usd=0.0)
        score = round(min(1.0, 0.1 + 0.8 * index / max(1, turns) + rng.uniform(-0.05, 0.05)), 3)
        yield TurnCompleteEvent(**ids(), turn_number=turn, convergence_score=score,
                                metrics={"convergence_score": score,
                                         "word_count_a": float(words),
                                         "vocabulary_overlap": round(rng.random(), 3)})
    if ended:
        yield ConversationEndEvent(**ids(), reason=EndReason.MAX_TURNS, total_turns=turns,
                                   status=Status.COMPLETED, duration_ms=turns * 1000)


def write_jsonl(path: Path, events: Iterator[Event] | list[Event]) -> None:
    with open(path, "ab") as handle:
        for event in events:
            handle.write(encode_event(event) + b"\n")


def write_experiment(root: Path, experiment_id: str, name: str, *, conversations: int = 3,
                     turns: int = 5, running: int = 0, pending: int = 0,
                     status: Status | None = None, pid: int | None = None,
                     start: datetime = EPOCH, words: int = 40,
                     model: str = "local:test", errors: int = 0, prompt: str = OPENING) -> Path:
    """Lay out one experiment: `running` conversations half done, `pending` not yet started."""
    path = experiments_dir(root) / f"experiment_{experiment_id}_{name}_{start:%Y%m%d}"
    path.mkdir(parents=True, exist_ok=True)
    total = conversations + running + pending
    status = status or (Status.RUNNING if running or pending else Status.COMPLETED)
    manifest = new_manifest(experiment_id, name, {"name": name, "agent_a": model,
                                                  "agent_b": model, "max_turns": turns,
                                                  "repetitions": total, "prompt": prompt},
                            total, start.isoformat(), providers=(model.split(":")[0],))
    manifest = msgspec.structs.replace(
        manifest, pid=pid, started_at=start.isoformat(), experiment_dir=str(path),
        status=status,
        error_count=errors, updated_at=start.isoformat())
    write_jsonl(path / EXPERIMENT_EVENTS_NAME, [ExperimentStartEvent(
        experiment_id=experiment_id, name=name, total_conversations=total,
        timestamp=start.isoformat(), event_id=f"{experiment_id}-start")])
    for index in range(conversations + running):
        conv_id = f"{experiment_id}_{index + 1:04d}"
        done = index < conversations
        conv_turns = turns if done else max(1, turns // 2)
        events = list(conversation_events(experiment_id, conv_id, conv_turns, max_turns=turns,
                                          ended=done, words=words, model=model, prompt=prompt,
                                          start=start + timedelta(seconds=30 * index)))
        write_jsonl(path / conversation_jsonl_name(conv_id), events)
        tokens = sum(e.input_tokens + e.output_tokens for e in events
                     if isinstance(e, TokenUsageEvent))
        last_turn = [e for e in events if isinstance(e, TurnCompleteEvent)][-1]
        manifest.conversations[conv_id] = ConversationEntry(
            status=Status.COMPLETED if done else Status.RUNNING,
            jsonl=conversation_jsonl_name(conv_id), turns_completed=conv_turns,
            max_turns=turns, tokens=tokens, cost_usd=0.0,
            convergence=last_turn.convergence_score,
            end_reason=EndReason.MAX_TURNS if done else None,
            agent_a_model=model, agent_b_model=model, started_at=events[0].timestamp,
            repetition=index + FIRST_REPETITION,
            ended_at=events[-1].timestamp if done else None,
            duration_ms=conv_turns * 1000 if done else None)
        manifest.total_turns += conv_turns
        manifest.total_tokens += tokens
        if done:
            manifest.completed_conversations += 1
        else:
            manifest.running_conversations += 1
    if status != Status.RUNNING:
        end = start + timedelta(seconds=30 * total)
        manifest.completed_at = end.isoformat()
        write_jsonl(path / EXPERIMENT_EVENTS_NAME, [ExperimentCompleteEvent(
            experiment_id=experiment_id, status=status, timestamp=end.isoformat(),
            event_id=f"{experiment_id}-end", completed_conversations=conversations)])
    write_manifest(path / MANIFEST_NAME, manifest)
    return path


def update_manifest(path: Path, **changes: Any) -> dict[str, Any]:
    """Rewrite fields of an experiment's manifest (tests: simulate the runner moving on)."""
    manifest_path = path / MANIFEST_NAME
    data = json.loads(manifest_path.read_text(encoding="utf-8"))
    data.update(changes)
    manifest_path.write_text(json.dumps(data, indent=1), encoding="utf-8")
    return data

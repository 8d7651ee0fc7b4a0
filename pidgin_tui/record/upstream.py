"""Upstream Pidgin 1.x experiment folders: recognising them and reading what they recorded.

An upstream experiment folder (`<name>_<hex>/` under upstream's `pidgin_output/experiments/`)
holds `manifest.json` (`experiment_id` = `experiment_<hex>`, the run's `config`, and
`conversations` naming each `events_conv_<id>.jsonl`), one events file per conversation and
Markdown transcripts (`transcript_conv_<id>.md`). Event shapes are upstream's
`pidgin.core.events` dataclasses serialised with their class name in `event_type`:

- `ConversationStartEvent`: `agent_a`/`agent_b` (model, display name, temperature, thinking),
  `config` (initial prompt, max turns, awareness per agent, choose_names), `max_turns`.
- `SystemPromptEvent`: `agent_id`, `prompt`.
- `MessageRequestEvent`: `agent_id`, `turn_number` (0-based; read as 1-based) and the whole history.
- `MessageCompleteEvent`: `agent_id`, `message.content`, `prompt_tokens`, `completion_tokens`,
  `cache_read_tokens`, `cache_write_tokens`, `duration_ms`; no turn number (the request before
  it has one).
- `ThinkingCompleteEvent`: `agent_id`, `turn_number`, `thinking_content`.
- `TurnCompleteEvent`: `turn_number`, upstream's `convergence_score`.
- `ConversationEndEvent`: `status`, `reason`, `error`, `total_turns`, `duration_ms`.
- `APIErrorEvent`, `ErrorEvent`: error details.

Nothing here writes: the source folder is only read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pidgin_tui.core.events import FIRST_TURN
from pidgin_tui.core.types import AgentId

UPSTREAM_EVENTS_GLOB = "events_conv_*.jsonl"
UPSTREAM_MANIFEST = "manifest.json"


@dataclass(slots=True)
class UpstreamMessage:
    agent_id: AgentId
    turn: int
    """1-based, as in our events."""
    content: str
    timestamp: str
    input_tokens: int | None
    output_tokens: int | None
    cache_read_tokens: int | None
    cache_write_tokens: int | None
    duration_ms: int | None
    thinking: str | None = None


@dataclass(slots=True)
class UpstreamError:
    agent_id: AgentId | None
    """None when upstream names no agent (or a word that is not one)."""
    provider: str
    error_type: str
    message: str
    retryable: bool
    timestamp: str
    turn: int | None


@dataclass(slots=True)
class UpstreamEnd:
    """Upstream's end event in upstream's own words (the importer maps them to ours)."""

    status: str
    reason: str
    error: str | None
    duration_ms: int
    timestamp: str


@dataclass(slots=True)
class UpstreamConversation:
    conversation_id: str
    source_file: str
    started_at: str = ""
    models: dict[str, str] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)
    temperatures: dict[str, float | None] = field(default_factory=dict)
    awareness: dict[str, str] = field(default_factory=dict)
    initial_prompt: str | None = None
    max_turns: int = 0
    system_prompts: dict[str, str] = field(default_factory=dict)
    messages: list[UpstreamMessage] = field(default_factory=list)
    completed_turns: list[int] = field(default_factory=list)
    errors: list[UpstreamError] = field(default_factory=list)
    end: UpstreamEnd | None = None
    problems: list[str] = field(default_factory=list)

    def turn_texts(self) -> list[tuple[int, str, str]]:
        """(turn, text of A, text of B) for every turn both agents completed, in order."""
        by_turn: dict[int, dict[str, str]] = {}
        for message in self.messages:
            by_turn.setdefault(message.turn, {})[message.agent_id] = message.content
        return [(turn, texts["agent_a"], texts["agent_b"]) for turn, texts in
                sorted(by_turn.items()) if {"agent_a", "agent_b"} <= texts.keys()]


@dataclass(slots=True)
class UpstreamExperiment:
    path: Path
    experiment_id: str
    name: str
    created_at: str
    config: dict[str, Any]
    status: str
    conversations: list[UpstreamConversation]
    problems: list[str] = field(default_factory=list)


def is_upstream_experiment(path: Path) -> bool:
    """True for a folder laid out by upstream Pidgin 1.x (and not by us)."""
    if not (path / UPSTREAM_MANIFEST).is_file() or not any(path.glob(UPSTREAM_EVENTS_GLOB)):
        return False
    manifest = _read_json(path / UPSTREAM_MANIFEST)
    conversations = manifest.get("conversations") if isinstance(manifest, dict) else None
    if not isinstance(conversations, dict):
        return True  # the events files alone are upstream's naming
    return all(str(c.get("jsonl", "events_")).startswith("events_conv_")
               for c in conversations.values() if isinstance(c, dict))


def find_upstream_experiments(path: Path) -> list[Path]:
    """Upstream experiment folders at `path`: the folder itself, its children, or the folders in
    its `experiments/` (upstream's output root)."""
    if is_upstream_experiment(path):
        return [path]
    found: list[Path] = []
    for parent in (path, path / "experiments"):
        if parent.is_dir():
            found += sorted(child for child in parent.iterdir()
                            if child.is_dir() and is_upstream_experiment(child))
    return found


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _table(value: object) -> dict[str, Any]:
    """A JSON object, or an empty one for anything else (a damaged record)."""
    return value if isinstance(value, dict) else {}


def read_upstream_experiment(path: Path) -> UpstreamExperiment:
    """Everything upstream recorded in one experiment folder; damage is listed, never fatal."""
    problems: list[str] = []
    read = _read_json(path / UPSTREAM_MANIFEST)
    manifest: dict[str, Any] = read if isinstance(read, dict) else {}
    if not isinstance(read, dict):
        problems.append(f"{UPSTREAM_MANIFEST}: unreadable; names and settings come from events")
    config: dict[str, Any] = _table(manifest.get("config"))
    listed = _table(manifest.get("conversations"))
    files = [path / str(entry["jsonl"]) for entry in listed.values()
             if isinstance(entry, dict) and entry.get("jsonl")]
    files += [f for f in sorted(path.glob(UPSTREAM_EVENTS_GLOB)) if f not in files]
    conversations = []
    for file in files:
        if not file.is_file():
            problems.append(f"{file.name}: listed in the manifest but missing")
            continue
        conversations.append(read_upstream_conversation(file))
    return UpstreamExperiment(
        path=path, experiment_id=str(manifest.get("experiment_id") or path.name),
        name=str(manifest.get("name") or config.get("name") or path.name),
        created_at=str(manifest.get("created_at") or ""), config=config,
        status=str(manifest.get("status") or "unknown"), conversations=conversations,
        problems=problems)


def read_upstream_conversation(file: Path) -> UpstreamConversation:
    conversation_id = file.name.removeprefix("events_").removesuffix(".jsonl")
    conv = UpstreamConversation(conversation_id, file.name)
    request_turn: dict[str, int] = {}
    thinking: dict[tuple[str, int], str] = {}
    lines = file.read_bytes().splitlines()
    for number, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            event = json.loads(raw)
        except ValueError:
            last = number == len(lines)
            conv.problems.append(f"{file.name}: line {number} "
                                 f"{'truncated (last line)' if last else 'is not JSON'}; skipped")
            continue
        if isinstance(event, dict):
            _apply(conv, event, request_turn, thinking)
    for message in conv.messages:
        message.thinking = thinking.get((message.agent_id, message.turn))
    return conv


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _turn(event: dict[str, Any]) -> int | None:
    """An upstream event's turn in our numbering (upstream counts turns from 0)."""
    turn = _int(event.get("turn_number"))
    return None if turn is None else turn + FIRST_TURN


def _apply(conv: UpstreamConversation, event: dict[str, Any], request_turn: dict[str, int],
           thinking: dict[tuple[str, int], str]) -> None:
    kind, stamp = event.get("event_type"), str(event.get("timestamp") or "")
    agent = str(event.get("agent_id") or "")
    seat = next((a for a in AgentId if a == agent), None)
    if kind == "ConversationStartEvent":
        conv.started_at = stamp
        config = _table(event.get("config"))
        for side in ("agent_a", "agent_b"):
            info = _table(event.get(side))
            short = side[-1]
            conv.models[side] = str(info.get("model") or event.get(f"{side}_model") or "")
            conv.names[side] = str(info.get("display_name") or
                                   event.get(f"{side}_display_name") or "")
            temperature = info.get("temperature", config.get(f"temperature_{short}"))
            conv.temperatures[side] = float(temperature) if isinstance(
                temperature, int | float) else None
            conv.awareness[side] = str(config.get(f"awareness_{short}") or "")
        prompt = config.get("initial_prompt", event.get("initial_prompt"))
        conv.initial_prompt = str(prompt) if prompt is not None else None
        conv.max_turns = _int(event.get("max_turns") or config.get("max_turns")) or 0
    elif kind == "SystemPromptEvent":
        conv.system_prompts[agent] = str(event.get("prompt") or "")
    elif kind == "MessageRequestEvent":
        turn = _turn(event)
        if turn is not None:
            request_turn[agent] = turn
    elif kind == "MessageCompleteEvent":
        message = _table(event.get("message"))
        turn = request_turn.get(agent)
        if turn is None or seat is None:
            why = "has no turn" if seat is not None else "is not of agent_a or agent_b"
            conv.problems.append(f"{conv.source_file}: a message of {agent} {why}; skipped")
            return
        conv.messages.append(UpstreamMessage(
            agent_id=seat, turn=turn, content=str(message.get("content") or ""),
            timestamp=stamp, input_tokens=_int(event.get("prompt_tokens")),
            output_tokens=_int(event.get("completion_tokens")),
            cache_read_tokens=_int(event.get("cache_read_tokens")),
            cache_write_tokens=_int(event.get("cache_write_tokens")),
            duration_ms=_int(event.get("duration_ms"))))
    elif kind == "ThinkingCompleteEvent":
        turn = _turn(event)
        if turn is not None:
            thinking[(agent, turn)] = str(event.get("thinking_content") or "")
    elif kind == "TurnCompleteEvent":
        turn = _turn(event)
        if turn is not None:
            conv.completed_turns.append(turn)
    elif kind in ("APIErrorEvent", "ErrorEvent", "ProviderTimeoutEvent"):
        conv.errors.append(UpstreamError(
            agent_id=seat, provider=str(event.get("provider") or ""),
            error_type=str(event.get("error_type") or kind), retryable=bool(
                event.get("retryable")), message=str(event.get("error_message") or ""),
            timestamp=stamp, turn=request_turn.get(agent)))
    elif kind == "ConversationEndEvent":
        conv.end = UpstreamEnd(status=str(event.get("status") or "completed"),
                               reason=str(event.get("reason") or "unknown"),
                               error=event.get("error") if event.get("error") else None,
                               duration_ms=_int(event.get("duration_ms")) or 0, timestamp=stamp)


def upstream_hint(path: Path) -> str | None:
    """The advice shown where upstream Pidgin data sits instead of experiments of ours."""
    found = find_upstream_experiments(path)
    if not found:
        return None
    target = path if len(found) > 1 or found[0] != path else found[0]
    return (f"{target} looks like upstream Pidgin data ({len(found)} experiment"
            f"{'s' if len(found) != 1 else ''}): run `pidgin-tui import-pidgin {target}` to "
            "convert it into experiments of pidgin-tui")

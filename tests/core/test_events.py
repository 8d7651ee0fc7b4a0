"""Events serialise to one JSON line and parse back to the same typed object."""

from __future__ import annotations

import enum
import json
import typing
from datetime import UTC, datetime, timedelta

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from pidgin_tui.core import events as ev

COMMON = ("event_type", "timestamp", "experiment_id", "conversation_id", "seq",
          "schema_version")


def _sample(cls: type[ev.Event]) -> ev.Event:
    """An instance with every required field filled with a plausible value."""
    values: dict[str, object] = {}
    hints = typing.get_type_hints(cls)
    for field in msgspec.structs.fields(cls):
        if field.required:
            hint = hints[field.name]
            if isinstance(hint, type) and issubclass(hint, enum.Enum):
                values[field.name] = next(iter(hint))
                continue
            values[field.name] = {int: 3, float: 0.5, str: f"{field.name}-value"}.get(hint, "x")
    return cls(experiment_id="exp1", conversation_id="conv1", **values)


@pytest.mark.parametrize("cls", ev.ALL_EVENT_TYPES, ids=lambda c: c.__name__)
def test_every_event_round_trips_through_one_json_line(cls: type[ev.Event]) -> None:
    event = _sample(cls)
    line = ev.encode_event(event)
    assert b"\n" not in line
    parsed = json.loads(line)
    assert parsed["event_type"] == cls.__name__
    assert all(key in parsed for key in COMMON)
    assert ev.decode_event(line) == event
    assert type(ev.decode_event(line)) is cls


def test_the_seed_event_types_exist() -> None:
    seed = ("ConversationStart", "TurnStart", "MessageRequest", "MessageComplete", "TurnComplete",
            "ConversationEnd", "TokenUsage", "ConvergenceWarning", "ContextLimit",
            "ExperimentComplete", "APIError", "RateLimit", "Error", "SystemPrompt",
            "MessageChunk", "ThinkingChunk", "ConversationPaused", "ConversationResumed",
            "InterruptRequest", "ConversationBranched", "ExperimentStart",
            "PostProcessingStart", "PostProcessingComplete")
    assert {f"{name}Event" for name in seed} <= set(ev.EVENT_TYPES_BY_NAME)


def test_only_token_chunks_are_live_only() -> None:
    live_only = {cls.__name__ for cls in ev.ALL_EVENT_TYPES if not cls.persist}
    assert live_only == {"MessageChunkEvent", "ThinkingChunkEvent"}


def test_unicode_content_survives() -> None:
    event = ev.MessageCompleteEvent(agent_id="agent_a", turn_number=0,
                                    content='quotes " \' and emoji 🦜 and \n newlines')
    assert ev.decode_event(ev.encode_event(event)).content == event.content


def test_malformed_line_raises_decode_error() -> None:
    with pytest.raises(msgspec.DecodeError):
        ev.decode_event(b'{"event_type": "TurnStartEvent", "turn_')


@given(st.integers(min_value=-(10**18), max_value=4 * 10**18), st.integers(0, 2_000_000_000))
def test_the_event_time_is_the_iso_time_to_the_millisecond(ns: int, step: int) -> None:
    # Event times are part of the record (compact lines count from them): `utc_text` spells
    # exactly what `datetime.isoformat` does, for any time and for a second or a millisecond
    # it has cached.
    for value in (ns, ns, ns + step, ns + step + step % 1000):
        seconds, rest = divmod(value, 10**9)
        expected = (datetime.fromtimestamp(seconds, UTC) + timedelta(microseconds=rest // 1000)
                    ).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        assert ev.utc_text(value) == expected


def test_events_are_stamped_with_the_current_time() -> None:
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    stamped = datetime.fromisoformat(ev.TurnStartEvent(turn_number=1).timestamp)
    assert before <= stamped <= datetime.now(UTC)

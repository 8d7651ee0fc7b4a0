"""The exact message list each agent is sent, for every awareness preset and first speaker."""

from __future__ import annotations

import pytest

from pidgin_tui.core.awareness import PRESET_NAMES
from pidgin_tui.core.router import AgentView, route, view_for
from pidgin_tui.core.types import AgentId, ChatMessage, HistoryEntry
from tests.core.helpers import make_plan, run_conversation


def _roles_and_texts(request) -> list[tuple[str, str]]:
    return [(m.role, m.content) for m in request.messages]


@pytest.mark.parametrize("awareness", PRESET_NAMES)
async def test_turns_0_to_2_with_agent_a_first(awareness: str) -> None:
    run = await run_conversation(make_plan(max_turns=3, awareness=awareness))
    a, b = run.requests_for(AgentId.A), run.requests_for(AgentId.B)
    texts = [m.content for m in run.of_type("MessageCompleteEvent")]  # type: ignore[attr-defined]
    a0, b0, a1, b1, a2, _b2 = texts
    assert _roles_and_texts(a[0]) == [("user", "PROMPT")]
    assert _roles_and_texts(b[0]) == [("user", a0)]
    assert _roles_and_texts(a[1]) == [("user", "PROMPT"), ("assistant", a0), ("user", b0)]
    assert _roles_and_texts(b[1]) == [("user", a0), ("assistant", b0), ("user", a1)]
    assert _roles_and_texts(a[2]) == [("user", "PROMPT"), ("assistant", a0), ("user", b0),
                                      ("assistant", a1), ("user", b1)]
    assert _roles_and_texts(b[2]) == [("user", a0), ("assistant", b0), ("user", a1),
                                      ("assistant", b1), ("user", a2)]
    prompts = {e.agent_id: e.prompt for e in run.of_type("SystemPromptEvent")}  # type: ignore[attr-defined]
    assert all(r.system == prompts["agent_a"] for r in a)
    assert all(r.system == prompts["agent_b"] for r in b)


@pytest.mark.parametrize("awareness", PRESET_NAMES)
async def test_turns_0_to_2_with_agent_b_first(awareness: str) -> None:
    run = await run_conversation(make_plan(max_turns=3, awareness=awareness,
                                           first_speaker=AgentId.B))
    a, b = run.requests_for(AgentId.A), run.requests_for(AgentId.B)
    messages = [e for e in run.of_type("MessageCompleteEvent")]
    assert [m.agent_id for m in messages[:2]] == ["agent_b", "agent_a"]  # type: ignore[attr-defined]
    b0, a0, b1, a1, b2, _a2 = (m.content for m in messages)  # type: ignore[attr-defined]
    assert _roles_and_texts(b[0]) == [("user", "PROMPT")]
    assert _roles_and_texts(a[0]) == [("user", b0)]
    assert _roles_and_texts(b[1]) == [("user", "PROMPT"), ("assistant", b0), ("user", a0)]
    assert _roles_and_texts(a[1]) == [("user", b0), ("assistant", a0), ("user", b1)]
    assert _roles_and_texts(b[2]) == [("user", "PROMPT"), ("assistant", b0), ("user", a0),
                                      ("assistant", b1), ("user", a1)]
    assert _roles_and_texts(a[2]) == [("user", b0), ("assistant", a0), ("user", b1),
                                      ("assistant", a1), ("user", b2)]


async def test_prompt_seen_by_both_is_merged_into_the_second_speakers_first_message() -> None:
    run = await run_conversation(make_plan(max_turns=1, prompt_visibility="both"))
    a0 = run.of_type("MessageCompleteEvent")[0].content  # type: ignore[attr-defined]
    assert _roles_and_texts(run.requests_for(AgentId.B)[0]) == [("user", f"PROMPT\n\n{a0}")]


async def test_each_agent_gets_its_own_system_prompt_naming_its_own_model() -> None:
    run = await run_conversation(make_plan(max_turns=1, awareness="research"))
    prompts = {e.agent_id: e.prompt for e in run.of_type("SystemPromptEvent")}  # type: ignore[attr-defined]
    assert prompts["agent_a"].startswith("You are local:instant")
    assert "with local:test" in prompts["agent_a"]
    assert prompts["agent_b"].startswith("You are local:test")
    assert "with local:instant" in prompts["agent_b"]


async def test_full_awareness_tells_the_whole_set_up() -> None:
    run = await run_conversation(make_plan(max_turns=4, awareness="full"))
    prompt_a = run.requests_for(AgentId.A)[0].system
    for fact in ("Alpha", "local:instant", "Beta", "local:test", "another AI", "4 turns",
                 "you speak first", "recorded"):
        assert fact in prompt_a
    assert "your partner speaks first" in run.requests_for(AgentId.B)[0].system


async def test_none_awareness_sends_no_system_prompt() -> None:
    run = await run_conversation(make_plan(max_turns=1, awareness="none"))
    assert [r.system for r in run.provider.requests] == ["", ""]


def test_consecutive_same_role_entries_are_merged_for_strict_alternation() -> None:
    everyone = frozenset(AgentId)
    history = [
        HistoryEntry("P", None, 0, everyone, "prompt"),
        HistoryEntry("note for A", None, 0, frozenset({AgentId.A}), "injection"),
        HistoryEntry("a0", AgentId.A, 0),
        HistoryEntry("b0", AgentId.B, 0),
    ]
    assert view_for(AgentId.A, history) == [ChatMessage("user", "P\n\nnote for A"),
                                            ChatMessage("assistant", "a0"),
                                            ChatMessage("user", "b0")]
    assert view_for(AgentId.B, history) == [ChatMessage("user", "P\n\na0"),
                                            ChatMessage("assistant", "b0")]


def _long_history(turns: int) -> list[HistoryEntry]:
    history = [HistoryEntry("opening " * 10, None, 0, frozenset(AgentId), "prompt")]
    for turn in range(turns):
        history.append(HistoryEntry(f"a{turn} " + "word " * 100, AgentId.A, turn))
        history.append(HistoryEntry(f"b{turn} " + "word " * 100, AgentId.B, turn))
    return history


def test_truncation_drops_oldest_turns_first_and_keeps_the_system_prompt() -> None:
    history = _long_history(10)
    routed = route(AgentView(AgentId.A).extend(history), "SYSTEM", context_window=1200,
                   reserve_output_tokens=200, allow_truncation=True)
    assert routed.system == "SYSTEM"
    assert routed.dropped_messages > 0 and not routed.over_limit
    assert routed.estimated_tokens <= 1000
    assert routed.messages[0].role == "user"
    assert routed.messages[-1].content.startswith("b9")  # the newest message is always kept
    untruncated = route(AgentView(AgentId.A).extend(history), "SYSTEM", context_window=10**6,
                        reserve_output_tokens=200, allow_truncation=True)
    assert routed.messages == untruncated.messages[routed.dropped_messages:]


def test_without_truncation_an_oversized_request_is_over_limit() -> None:
    routed = route(AgentView(AgentId.A).extend(_long_history(10)), "SYSTEM",
                   context_window=1200, reserve_output_tokens=200, allow_truncation=False)
    assert routed.over_limit and routed.dropped_messages == 0


def test_incremental_view_matches_a_view_built_from_scratch() -> None:
    history = _long_history(6)
    view = AgentView(AgentId.B)
    for count, entry in enumerate(history, start=1):
        view.add(entry)
        assert view.messages[view.leading_assistant:] == view_for(AgentId.B, history[:count])
        assert view.total == sum(view.costs)

"""The Router builds the exact message list one agent is sent.

Agent X receives its own system prompt, its own messages as `assistant` and everything else it
may see (the other agent's messages, the opening prompt, injections meant for it) as `user`.
Consecutive same-role messages are merged, so the list strictly alternates and starts with `user`
as every provider accepts. When the list exceeds the model's context window it is truncated from
the oldest end (never the system prompt), or refused when truncation is not allowed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from pidgin_tui.core.types import AgentId, ChatMessage, HistoryEntry

TokenEstimator = Callable[[str], int]
MESSAGE_OVERHEAD_TOKENS = 4
"""Per-message framing tokens added to text estimates (role markers and separators)."""


def chars_estimate(text: str) -> int:
    """About four characters per token; the fallback when no tokenizer is given."""
    return (len(text) + 3) // 4


@dataclass(slots=True)
class RoutedRequest:
    system: str
    messages: list[ChatMessage]
    estimated_tokens: int
    dropped_messages: int = 0
    over_limit: bool = False
    """True when the window is exceeded and truncation was not allowed (or cannot help)."""


def view_for(agent: AgentId, history: Sequence[HistoryEntry]) -> list[ChatMessage]:
    """The agent's own view of the history, merged into strict user/assistant alternation."""
    merged: list[ChatMessage] = []
    for entry in history:
        if agent not in entry.visible_to:
            continue
        role = "assistant" if entry.speaker is agent else "user"
        if merged and merged[-1].role == role:
            merged[-1] = ChatMessage(role, f"{merged[-1].content}\n\n{entry.content}")
        else:
            merged.append(ChatMessage(role, entry.content))
    while merged and merged[0].role == "assistant":
        merged.pop(0)  # providers require the first message to be from the user
    return merged


def estimate_request_tokens(system: str, messages: Sequence[ChatMessage],
                            estimate: TokenEstimator = chars_estimate) -> int:
    total = estimate(system) + (MESSAGE_OVERHEAD_TOKENS if system else 0)
    return total + sum(estimate(m.content) + MESSAGE_OVERHEAD_TOKENS for m in messages)


def route(agent: AgentId, system_prompt: str, history: Sequence[HistoryEntry], *,
          context_window: int, reserve_output_tokens: int, allow_truncation: bool,
          estimate: TokenEstimator = chars_estimate) -> RoutedRequest:
    """Build agent's request; drop the oldest turns first if it exceeds the context window."""
    messages = view_for(agent, history)
    budget = context_window - reserve_output_tokens
    costs = [estimate(m.content) + MESSAGE_OVERHEAD_TOKENS for m in messages]
    system_cost = estimate(system_prompt) + (MESSAGE_OVERHEAD_TOKENS if system_prompt else 0)
    total = system_cost + sum(costs)
    if total <= budget:
        return RoutedRequest(system_prompt, messages, total)
    if not allow_truncation:
        return RoutedRequest(system_prompt, messages, total, over_limit=True)
    start = 0
    # Drop whole exchanges from the oldest end, keeping the list starting with a user message.
    while total > budget and start < len(messages) - 1:
        total -= costs[start]
        start += 1
        while start < len(messages) - 1 and messages[start].role != "user":
            total -= costs[start]
            start += 1
    kept = messages[start:]
    return RoutedRequest(system_prompt, kept, total, dropped_messages=start,
                         over_limit=total > budget)

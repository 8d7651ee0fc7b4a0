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

from pidgin_tui.core.types import AgentId, ChatMessage, HistoryEntry, Role

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


class AgentView:
    """One agent's view of the history, maintained incrementally as entries are added.

    Keeps the merged messages and their token estimates, so routing a request costs O(1) in the
    length of the conversation unless truncation is needed.
    """

    def __init__(self, agent: AgentId, estimate: TokenEstimator = chars_estimate) -> None:
        self.agent = agent
        self.estimate = estimate
        self.messages: list[ChatMessage] = []
        self.costs: list[int] = []
        self.total = 0

    def add(self, entry: HistoryEntry) -> None:
        if self.agent not in entry.visible_to:
            return
        role: Role = "assistant" if entry.speaker is self.agent else "user"
        if self.messages and self.messages[-1].role == role:
            merged = ChatMessage(role, f"{self.messages[-1].content}\n\n{entry.content}")
            self.total -= self.costs[-1]
            self.messages[-1] = merged
            self.costs[-1] = self.estimate(merged.content) + MESSAGE_OVERHEAD_TOKENS
        else:
            self.messages.append(ChatMessage(role, entry.content))
            self.costs.append(self.estimate(entry.content) + MESSAGE_OVERHEAD_TOKENS)
        self.total += self.costs[-1]

    def extend(self, entries: Sequence[HistoryEntry]) -> AgentView:
        for entry in entries:
            self.add(entry)
        return self

    @property
    def leading_assistant(self) -> int:
        """Assistant messages before the first user message; providers reject them."""
        count = 0
        while count < len(self.messages) and self.messages[count].role == "assistant":
            count += 1
        return count


def view_for(agent: AgentId, history: Sequence[HistoryEntry]) -> list[ChatMessage]:
    """The agent's own view of the history, merged into strict user/assistant alternation."""
    view = AgentView(agent).extend(history)
    return view.messages[view.leading_assistant:]


def route(view: AgentView, system_prompt: str, *, context_window: int,
          reserve_output_tokens: int, allow_truncation: bool) -> RoutedRequest:
    """Build the agent's request; drop the oldest turns first if it exceeds the context window."""
    start = view.leading_assistant
    messages, costs = view.messages, view.costs
    budget = context_window - reserve_output_tokens
    system_cost = view.estimate(system_prompt) + (MESSAGE_OVERHEAD_TOKENS if system_prompt else 0)
    total = system_cost + view.total - sum(costs[:start])
    if total <= budget:
        return RoutedRequest(system_prompt, messages[start:], total)
    if not allow_truncation:
        return RoutedRequest(system_prompt, messages[start:], total, over_limit=True)
    first = start
    # Drop whole exchanges from the oldest end, keeping the list starting with a user message.
    while total > budget and first < len(messages) - 1:
        total -= costs[first]
        first += 1
        while first < len(messages) - 1 and messages[first].role != "user":
            total -= costs[first]
            first += 1
    return RoutedRequest(system_prompt, messages[first:], total, dropped_messages=first - start,
                         over_limit=total > budget)

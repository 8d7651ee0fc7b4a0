"""The request an agent sends at a turn: routed from its own view, with the plan's settings.

The one place a request is made, so the payload inspector rebuilds exactly what was sent.
"""

from __future__ import annotations

from pidgin_tui.core.plan import ConversationPlan
from pidgin_tui.core.provider import ModelInfo, ProviderRequest
from pidgin_tui.core.router import AgentView, RoutedRequest, route
from pidgin_tui.core.types import AgentId, ChatMessage


def agent_request(plan: ConversationPlan, agent_id: AgentId, info: ModelInfo, system: str,
                  messages: list[ChatMessage], turn: int) -> ProviderRequest:
    """The request one agent sends: its settings from the plan, the model's capabilities."""
    agent = plan.agent(agent_id)
    return ProviderRequest(
        model=info.model_id, system=system, messages=messages,
        temperature=agent.temperature, max_output_tokens=agent.max_output_tokens,
        think=agent.think, think_budget=agent.think_budget,
        model_thinks=info.supports_thinking, turn_number=turn, agent_id=agent_id,
        seed=plan.seed,
    )


def output_reserve(plan: ConversationPlan, agent_id: AgentId, info: ModelInfo) -> int:
    """Tokens of the context window kept free for the reply when routing a request."""
    return plan.agent(agent_id).max_output_tokens or min(info.max_output_tokens, 4096)


def build_request(plan: ConversationPlan, agent_id: AgentId, info: ModelInfo, view: AgentView,
                  system_prompt: str, turn: int) -> tuple[RoutedRequest, ProviderRequest]:
    """Route `agent_id`'s view and build the provider request it is sent at `turn`."""
    routed = route(view, system_prompt, context_window=info.context_window,
                   reserve_output_tokens=output_reserve(plan, agent_id, info),
                   allow_truncation=plan.allow_truncation)
    return routed, agent_request(plan, agent_id, info, routed.system, routed.messages, turn)

"""The `--dry-run` estimate: requests, tokens, cost and a rough duration before anything runs.

Every request re-sends the whole history, so the input of turn t grows with t: agent A's request
at turn t carries the system prompt, the opening prompt and 2t earlier replies; agent B's carries
one more reply. Summed over turns this grows quadratically, which is what makes long
conversations expensive.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from pidgin_tui.core.provider import UsageChunk
from pidgin_tui.providers.registry import ModelInfo
from pidgin_tui.providers.tokens import MESSAGE_OVERHEAD_TOKENS, estimate_tokens

DEFAULT_REPLY_TOKENS = 300
"""A typical conversational reply; researchers can pass their own."""
DEFAULT_SYSTEM_TOKENS = 250
"""About the size of the awareness system prompts."""
DEFAULT_TOKENS_PER_SECOND = 60.0
DEFAULT_LATENCY_S = 1.0

CostFunction = Callable[[ModelInfo, UsageChunk], float | None]


@dataclass(slots=True, frozen=True)
class Estimate:
    requests: int
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    """None when either model is unpriced: no figure is shown rather than a guess."""
    rough_duration_s: float
    """Sequential time for all conversations; divide by the parallelism if run in parallel."""
    per_conversation_cost_usd: float | None = None
    unpriced_models: tuple[str, ...] = ()


def _default_cost() -> CostFunction:
    from pidgin_tui.providers.pricing import cost_for

    return cost_for


def estimate_experiment(model_a: ModelInfo, model_b: ModelInfo, turns: int, repetitions: int,
                        prompt: str, *, reply_tokens: int | None = None,
                        max_output_tokens: tuple[int | None, int | None] = (None, None),
                        system_tokens: int = DEFAULT_SYSTEM_TOKENS,
                        inherited_turns: int = 0,
                        cost: CostFunction | None = None,
                        tokens_per_second: float = DEFAULT_TOKENS_PER_SECOND,
                        latency_s: float = DEFAULT_LATENCY_S) -> Estimate:
    """Estimate an experiment of `repetitions` conversations of `turns` turns each.

    Replies are assumed to be `reply_tokens` long (capped by each agent's max output), and each
    request's input is capped at its model's context window. A branch's first
    `inherited_turns` turns are copied from its parent, not sent: they count as history re-sent
    with every later request, never as requests, tokens or cost of their own.
    """
    cost = cost or _default_cost()
    prompt_tokens = estimate_tokens(prompt) + MESSAGE_OVERHEAD_TOKENS if prompt else 0
    base = system_tokens + MESSAGE_OVERHEAD_TOKENS + prompt_tokens
    replies: list[int] = []
    for info, cap in ((model_a, max_output_tokens[0]), (model_b, max_output_tokens[1])):
        reply = reply_tokens or DEFAULT_REPLY_TOKENS
        replies.append(min(reply, cap or info.max_output_tokens))
    per_reply = [r + MESSAGE_OVERHEAD_TOKENS for r in replies]
    totals = {"a_in": 0, "b_in": 0}
    sent = max(turns - inherited_turns, 0)
    history = min(inherited_turns, turns) * (per_reply[0] + per_reply[1])
    for _turn in range(sent):
        totals["a_in"] += min(base + history, model_a.context_window)
        history += per_reply[0]
        totals["b_in"] += min(base + history, model_b.context_window)
        history += per_reply[1]
    a_out, b_out = replies[0] * sent, replies[1] * sent
    cost_a = cost(model_a, UsageChunk(totals["a_in"], a_out, estimated=True))
    cost_b = cost(model_b, UsageChunk(totals["b_in"], b_out, estimated=True))
    unpriced = tuple(m.ref for m, c in ((model_a, cost_a), (model_b, cost_b)) if c is None)
    per_conv = None if unpriced else (cost_a or 0.0) + (cost_b or 0.0)
    requests_per_conv = 2 * sent
    seconds_per_conv = requests_per_conv * latency_s + (a_out + b_out) / tokens_per_second
    return Estimate(
        requests=requests_per_conv * repetitions,
        input_tokens=(totals["a_in"] + totals["b_in"]) * repetitions,
        output_tokens=(a_out + b_out) * repetitions,
        cost_usd=None if per_conv is None else per_conv * repetitions,
        rough_duration_s=seconds_per_conv * repetitions,
        per_conversation_cost_usd=per_conv,
        unpriced_models=unpriced,
    )

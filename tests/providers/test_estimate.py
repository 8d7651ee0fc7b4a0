"""The dry-run estimate accounts for the history re-sent with every request."""

from __future__ import annotations

import pytest

from pidgin_tui.commands.run_headless import estimate_line
from pidgin_tui.providers.estimate import estimate_experiment
from pidgin_tui.providers.registry import ModelInfo, default_registry
from pidgin_tui.providers.tokens import MESSAGE_OVERHEAD_TOKENS as O

A = ModelInfo("anthropic", "claude-sonnet-5", "Sonnet", 1_000_000, 128_000)
B = ModelInfo("openai", "gpt-5.5", "GPT", 400_000, 128_000)


def flat(info, usage):  # type: ignore[no-untyped-def]
    """$1 per 1M input and $2 per 1M output, to check the arithmetic."""
    return (usage.input_tokens * 1.0 + usage.output_tokens * 2.0) / 1_000_000


def test_input_grows_with_each_turn_of_history():
    est = estimate_experiment(A, B, turns=3, repetitions=1, prompt="", reply_tokens=100,
                              system_tokens=50, cost=flat)
    base = 50 + O
    reply = 100 + O
    # A sees 0, 2, 4 earlier replies; B sees 1, 3, 5.
    expected_input = sum(base + k * reply for k in range(6))
    assert est.input_tokens == expected_input
    assert est.output_tokens == 600 and est.requests == 6
    assert est.cost_usd == pytest.approx((expected_input + 2 * 600) / 1_000_000)


def test_repetitions_multiply_and_long_runs_grow_quadratically():
    one = estimate_experiment(A, B, turns=10, repetitions=1, prompt="hi", cost=flat)
    five = estimate_experiment(A, B, turns=10, repetitions=5, prompt="hi", cost=flat)
    assert five.requests == 5 * one.requests and five.input_tokens == 5 * one.input_tokens
    assert five.cost_usd == pytest.approx(5 * one.cost_usd)
    twenty = estimate_experiment(A, B, turns=20, repetitions=1, prompt="hi", cost=flat)
    assert twenty.input_tokens > 3 * one.input_tokens  # doubling turns ~quadruples input


def test_replies_are_capped_by_max_output_and_input_by_the_context_window():
    tiny = ModelInfo("ollama", "tiny", "tiny", 1_000, 200)
    est = estimate_experiment(tiny, tiny, turns=50, repetitions=1, prompt="", reply_tokens=500,
                              cost=flat)
    assert est.output_tokens == 2 * 50 * 200
    assert est.input_tokens <= 2 * 50 * 1_000


def test_unpriced_model_gives_no_figure():
    registry = default_registry()
    est = estimate_experiment(registry.resolve("claude"), registry.resolve("openai:gpt-99"),
                              turns=5, repetitions=2, prompt="Hello")
    assert est.cost_usd is None and est.unpriced_models == ("openai:gpt-99",)
    assert "unpriced (openai:gpt-99)" in estimate_line(est)


def test_real_prices_are_used_by_default():
    registry = default_registry()
    est = estimate_experiment(registry.resolve("claude"), registry.resolve("claude"),
                              turns=1, repetitions=1, prompt="", reply_tokens=1000,
                              system_tokens=0)
    inputs = O + (O + 1000 + O)
    assert est.cost_usd == pytest.approx((inputs * 3 + 2000 * 15) / 1_000_000)
    assert "$" in estimate_line(est) and "2 requests" in estimate_line(est)


def test_inherited_turns_are_history_but_not_requests():
    """A branch after turn 3 of 6 sends turns 4-6 only, each carrying the 3 copied turns."""
    whole = estimate_experiment(A, B, turns=6, repetitions=2, prompt="", reply_tokens=100,
                                system_tokens=50, cost=flat)
    branch = estimate_experiment(A, B, turns=6, repetitions=2, prompt="", reply_tokens=100,
                                 system_tokens=50, cost=flat, inherited_turns=3)
    base, reply = 50 + O, 100 + O
    assert branch.requests == 2 * 3 * 2 and whole.requests == 2 * 6 * 2
    assert branch.output_tokens == 2 * 3 * 200
    # A's first sent request sees the 6 inherited replies, B's last 11 earlier replies.
    assert branch.input_tokens == 2 * sum(base + k * reply for k in range(6, 12))
    assert branch.input_tokens < whole.input_tokens

"""The setup screen's live pre-run estimate and each provider's key status.

Uses the providers package's estimator and key check when they are installed, and a simple
chars/4 model otherwise, so the form always shows a figure.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from pidgin_tui.experiments.spec import ExperimentSpec
from pidgin_tui.providers.registry import ModelInfo

FALLBACK_REPLY_TOKENS = 300
FALLBACK_SYSTEM_TOKENS = 250
FALLBACK_TOKENS_PER_SECOND = 60.0
LOCAL_TEST_TOKENS_PER_SECOND = 40.0
FALLBACK_KEY_ENV_VARS: dict[str, tuple[str, ...]] = {
    "anthropic": ("ANTHROPIC_API_KEY",),
    "openai": ("OPENAI_API_KEY",),
    "google": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "xai": ("XAI_API_KEY",),
}


@dataclass(slots=True, frozen=True)
class RunEstimate:
    requests: int
    tokens: int
    cost_usd: float | None
    """None when a model is unpriced."""
    duration_s: float
    """Wall-clock estimate with the chosen parallelism."""


def estimate_run(spec: ExperimentSpec, model_a: ModelInfo, model_b: ModelInfo) -> RunEstimate:
    """Requests, tokens, cost and rough duration of the whole experiment."""
    waves = -(-spec.repetitions // max(1, spec.max_parallel))
    try:
        from pidgin_tui.providers.estimate import estimate_experiment
    except ImportError:
        return _fallback(spec, model_a, model_b, waves)
    estimate = estimate_experiment(
        model_a, model_b, spec.max_turns, spec.repetitions, spec.prompt,
        max_output_tokens=(spec.max_output_tokens, spec.max_output_tokens))
    per_conversation = estimate.rough_duration_s / max(1, spec.repetitions)
    if model_a.provider == model_b.provider == "local":
        per_conversation = _local_seconds(spec, model_a, model_b)
    return RunEstimate(estimate.requests, estimate.input_tokens + estimate.output_tokens,
                       estimate.cost_usd, per_conversation * waves)


def _local_seconds(spec: ExperimentSpec, model_a: ModelInfo, model_b: ModelInfo) -> float:
    """The local models stream at a known pace (`test`) or instantly."""
    slow = sum(m.model_id == "test" for m in (model_a, model_b))
    return spec.max_turns * slow * 60 / LOCAL_TEST_TOKENS_PER_SECOND


def _fallback(spec: ExperimentSpec, model_a: ModelInfo, model_b: ModelInfo,
              waves: int) -> RunEstimate:
    prompt_tokens = (len(spec.prompt) + 3) // 4
    reply = FALLBACK_REPLY_TOKENS
    input_tokens = 0
    history = FALLBACK_SYSTEM_TOKENS + prompt_tokens
    for _turn in range(spec.max_turns):
        input_tokens += min(history, model_a.context_window)
        history += reply
        input_tokens += min(history, model_b.context_window)
        history += reply
    output_tokens = 2 * reply * spec.max_turns
    local = model_a.provider == model_b.provider == "local"
    cost = 0.0 if local else None
    seconds = _local_seconds(spec, model_a, model_b) if local else \
        output_tokens / FALLBACK_TOKENS_PER_SECOND + 2 * spec.max_turns
    return RunEstimate(2 * spec.max_turns * spec.repetitions,
                       (input_tokens + output_tokens) * spec.repetitions, cost, seconds * waves)


def key_status(provider: str) -> tuple[bool, str]:
    """(usable, description) for a provider's API key; never shows the key itself."""
    try:
        from pidgin_tui.config import settings
        from pidgin_tui.providers.listing import key_status as provider_key_status
    except ImportError:
        pass
    else:
        try:
            return provider_key_status(provider, settings())
        except Exception:  # an unreadable config file: report it as the key status
            return False, "config file unreadable"
    names = FALLBACK_KEY_ENV_VARS.get(provider)
    if not names:
        return True, "no key needed"
    if any(os.environ.get(name, "").strip() for name in names):
        return True, "key set"
    return False, f"missing: set {' or '.join(names)}"


def format_duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def format_cost(cost_usd: float | None) -> str:
    if cost_usd is None:
        return "unpriced"
    if cost_usd == 0:
        return "$0.00"
    return f"${cost_usd:,.4f}" if cost_usd < 1 else f"${cost_usd:,.2f}"

"""The setup screen's live pre-run estimate and each provider's key status.

The figures come from the `--dry-run` estimator (`providers/estimate.py`); the key status from
the provider table through `providers/listing.py`, the same check `run` and `models` make.
"""

from __future__ import annotations

from dataclasses import dataclass

from pidgin_tui.core.provider import ModelInfo
from pidgin_tui.experiments.spec import ExperimentSpec
from pidgin_tui.providers.estimate import estimate_experiment
from pidgin_tui.providers.local import TOKENS_PER_SECOND as LOCAL_TEST_TOKENS_PER_SECOND


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


def key_status(provider: str) -> tuple[bool, str]:
    """(usable, description) for a provider's API key; never shows the key itself."""
    from pidgin_tui.config import ConfigError, settings
    from pidgin_tui.providers.listing import key_status as provider_key_status

    try:
        return provider_key_status(provider, settings())
    except ConfigError:  # an unreadable config file: report it as the key status
        return False, "config file unreadable"

"""Property tests: ranges and invariants of every metric on arbitrary text."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pidgin_tui.metrics.catalog import CROSS, END_STATE_SCORES, PER_AGENT
from pidgin_tui.metrics.convergence import PROFILES
from pidgin_tui.metrics.turn import make_turn_scorer

_UNIT = "[0, 1]"
_FRAGMENTS = st.sampled_from([
    "maybe", "sort of", "thank you", "we", "you", "not good", "great", "→", "->", "🙂", "✨",
    "**x**", "`c`", "(p)", "?", "!", "...", "—", "\n\n", "\n- item", "# h\n", "```\n", "42",
    "the", "river", "RIVER", "don't", "i'm", "$", "+", " ",
])
_TEXT = st.one_of(st.text(max_size=300), st.lists(_FRAGMENTS, max_size=60).map(" ".join))


def _check_ranges(metrics: dict[str, float]) -> None:
    for name, value in metrics.items():
        assert math.isfinite(value), name
        base = name[2:] if name[:2] in ("a_", "b_") and name[2:] in PER_AGENT else name
        spec = PER_AGENT.get(base) or CROSS.get(base) or END_STATE_SCORES.get(base)
        assert spec is not None, name
        if spec[1] == _UNIT or spec[1] == "{0, 1}":
            assert -1e-9 <= value <= 1 + 1e-9, (name, value)
        elif spec[1] == "[-1, 1]":
            assert -1 - 1e-9 <= value <= 1 + 1e-9, (name, value)
        elif spec[1].startswith("≥ 0"):
            assert value >= -1e-9, (name, value)


@settings(max_examples=150, deadline=None)
@given(turns=st.lists(st.tuples(_TEXT, _TEXT), min_size=1, max_size=4),
       profile=st.sampled_from(sorted(PROFILES)))
def test_every_metric_stays_in_its_documented_range(turns: list[tuple[str, str]],
                                                     profile: str) -> None:
    scorer = make_turn_scorer(profile)
    for turn, (a, b) in enumerate(turns):
        metrics, score = scorer(turn, a, b)
        metrics.pop("metrics_version")
        assert 0.0 <= score <= 1.0
        _check_ranges(metrics)


@settings(max_examples=100, deadline=None)
@given(text=_TEXT, profile=st.sampled_from(sorted(PROFILES)))
def test_identical_messages_always_score_one(text: str, profile: str) -> None:
    metrics, score = make_turn_scorer(profile)(0, text, text)
    assert score == pytest.approx(1.0)
    assert metrics["identical"] == 1.0
    assert metrics["word_jaccard"] == 1.0


@settings(max_examples=60, deadline=None)
@given(text=_TEXT)
def test_an_empty_message_never_crashes(text: str) -> None:
    scorer = make_turn_scorer()
    for turn, (a, b) in enumerate([("", text), (text, ""), ("", "")]):
        metrics, score = scorer(turn, a, b)
        assert 0.0 <= score <= 1.0
        assert metrics["a_words" if not a else "b_words"] == 0.0

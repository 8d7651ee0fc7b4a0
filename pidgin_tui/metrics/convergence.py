"""Convergence scoring: how alike the two agents' latest messages are (0 = unrelated, 1 = same)."""

from __future__ import annotations

import re

from pidgin_tui.core.plan import TurnScorer

_WORD = re.compile(r"[\w']+")


def word_set(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def simple_convergence(text_a: str, text_b: str) -> float:
    """Jaccard similarity of the two messages' word sets; identical messages score 1.0."""
    words_a, words_b = word_set(text_a), word_set(text_b)
    if not words_a and not words_b:
        return 1.0 if text_a == text_b else 0.0
    return len(words_a & words_b) / len(words_a | words_b)


def score_turn(turn_number: int, text_a: str, text_b: str) -> tuple[dict[str, float], float]:
    """The turn hook used by the conductor: (metrics, convergence score)."""
    return {}, simple_convergence(text_a, text_b)


def make_turn_scorer(profile: str = "balanced") -> TurnScorer:
    """A per-conversation scorer for the conductor (the profile selects metric weights)."""
    return score_turn

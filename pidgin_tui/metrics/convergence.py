"""The convergence score: a weighted mean of cross-agent similarities, each in [0, 1].

    convergence = Σ_k w_k · component_k / Σ_k w_k

Components are cross-agent metrics of the same turn (names as in the turn metrics):
`content_jaccard`, `bigram_jaccard`, `trigram_jaccard`, `tfidf_cosine`, `length_ratio`,
`structure_similarity`, `function_word_cosine`, `char_cosine`, `sentiment_similarity`.
Each component is 1.0 for identical messages (two empty messages included), so identical
messages always score 1.0, and the score is always within [0, 1]. A profile chooses weights.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pidgin_tui.core.plan import TurnScorer

PROFILES: dict[str, dict[str, float]] = {
    "balanced": {
        "tfidf_cosine": 0.35, "content_jaccard": 0.25, "bigram_jaccard": 0.15,
        "function_word_cosine": 0.10, "length_ratio": 0.10, "structure_similarity": 0.05,
    },
    "structural": {
        "function_word_cosine": 0.35, "length_ratio": 0.25, "char_cosine": 0.25,
        "structure_similarity": 0.15,
    },
    "semantic": {
        "tfidf_cosine": 0.50, "content_jaccard": 0.30, "bigram_jaccard": 0.20,
    },
    "strict": {
        "trigram_jaccard": 0.40, "bigram_jaccard": 0.30, "tfidf_cosine": 0.20,
        "length_ratio": 0.10,
    },
}
"""Weight profiles. Shared content (TF-IDF meaning, content words, phrases) carries most of
every profile but `structural`; markdown and punctuation structure is at most a minor,
smoothed component (see `profile_similarity`), so a question mark cannot move the score much.
`char_cosine` (high for any two English texts) appears only in `structural`."""

PROFILE_DESCRIPTIONS: dict[str, str] = {
    "balanced": "the default: shared meaning and wording first, style and length second",
    "structural": "style accommodation: function words, length, character style; structure "
                  "minor",
    "semantic": "meaning only: TF-IDF cosine, content words and shared phrases",
    "strict": "verbatim phrase sharing: trigram and bigram overlap",
}

DEFAULT_PROFILE = "balanced"
EMA_ALPHA = 0.3
"""Smoothing factor of `convergence_ema`: the weight of the newest turn."""


class UnknownProfileError(ValueError):
    """A convergence profile name that is not in PROFILES; the message lists the valid ones."""


def check_profile(profile: str) -> dict[str, float]:
    """The weights of `profile`, or UnknownProfileError naming the valid profiles."""
    try:
        return PROFILES[profile]
    except KeyError:
        valid = ", ".join(PROFILES)
        raise UnknownProfileError(
            f"unknown convergence profile {profile!r} (choose one of: {valid})") from None


def convergence_score(components: Mapping[str, float], profile: str = DEFAULT_PROFILE) -> float:
    """The weighted mean of the profile's components, clamped to [0, 1]."""
    weights = check_profile(profile)
    total = sum(weights.values())
    score = sum(w * components[name] for name, w in weights.items()) / total
    return max(0.0, min(1.0, score))


def make_turn_scorer(profile: str = DEFAULT_PROFILE, first_speaker: str = "agent_a",
                     prompt: str = "") -> TurnScorer:
    """A fresh per-conversation scorer (see `pidgin_tui.metrics.turn`)."""
    from pidgin_tui.metrics.turn import make_turn_scorer as make  # turn.py imports this module

    return make(profile, first_speaker, prompt)


def score_turn(turn_number: int, text_a: str, text_b: str) -> tuple[dict[str, float], float]:
    """Stateless scoring of one turn with the default profile.

    Cumulative metrics see only this turn; a conversation should use `make_turn_scorer`.
    """
    return make_turn_scorer()(turn_number, text_a, text_b)

"""End states: the attractors two models fall into when they talk for long enough.

Each detector turns one completed turn into a score in [0, 1] from metrics the turn already
has, so detection costs microseconds, not a second pass over the text. `END_STATES` holds each
one's description, formula, threshold and persistence (docs/metrics.md is rendered from it).

An end state is **detected** when its score is at or above its threshold on `persistence`
consecutive turns; its **onset** is the first of those turns. Detection is sticky: once a
conversation fell into an attractor it keeps the label. **Substantive turns** are the turns
before the earliest onset of a degradation (every end state except `topic_drift`, which can be
healthy). Thresholds and persistence are set in `END_STATES`, and validated on the labelled
set in `tests/data/endstates/` (see docs/metrics.md).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from pidgin_tui.core.plan import EndStateOnset


@dataclass(frozen=True, slots=True)
class EndStateSpec:
    """How one end state is detected and described."""

    description: str
    formula: str
    threshold: float
    persistence: int
    """Consecutive turns at or above the threshold before it counts as detected."""


END_STATES: dict[str, EndStateSpec] = {
    "loop": EndStateSpec(
        "repetition within and across agents",
        "max(mean over agents of max(self_trigram_reuse, repeated_trigram_ratio), "
        "max(mimicry_a_to_b_3, mimicry_b_to_a_3)): an agent repeats its own earlier phrases, "
        "repeats itself within a message, or copies the partner's last message", 0.5, 2),
    "emoji_collapse": EndStateSpec(
        "emoji, symbols and arrows take over the text",
        "mean over agents of (emoji + symbol + arrow characters) / non-space characters",
        0.33, 2),
    "gratitude_spiral": EndStateSpec(
        "thanks and bliss words dominate (the gratitude or bliss spiral)",
        "min(1, mean over agents of (gratitude_rate + bliss_rate) / 0.10)", 0.5, 2),
    "meta_talk": EndStateSpec(
        "talk about the conversation itself or about being an AI",
        "min(1, mean over agents of (meta_rate + ai_identity_rate) / 0.12)", 0.5, 2),
    "goodbye_loop": EndStateSpec(
        "both agents keep saying goodbye",
        "min over agents of min(1, farewell_rate / 0.06)", 0.5, 2),
    "silence": EndStateSpec(
        "near-empty messages, ellipses or meditation",
        "mean over agents of max(brevity, min(1, stillness_rate / 0.15)), brevity = max(0, "
        "1 − words / 4) (1 for an empty message or one of only dots; 0 for a message that "
        "is mostly emoji)", 0.6, 2),
    "topic_drift": EndStateSpec(
        "the opening topic's words have fallen away",
        "1 − min(1, r / 0.4), r = share of the turn's distinct content words found in the "
        "opening (the prompt's and the first two turns' content words), words compared by a "
        "crude stem (a final s dropped, then the first 5 letters); 0 during the opening, for "
        "a turn of fewer than 5 content words, and for a turn another detector explains",
        0.6, 3),
}
"""Every end state, in the order they are reported."""

END_STATE_NAMES: tuple[str, ...] = tuple(END_STATES)
DEGRADATIONS: frozenset[str] = frozenset(END_STATE_NAMES) - {"topic_drift"}
"""End states that end substantive engagement (topic drift need not)."""

_OTHERS = tuple((name, spec) for name, spec in END_STATES.items() if name != "topic_drift")

OPENING_TURNS = 2
"""Turns that, with the prompt, define the opening topic `topic_drift` compares against."""
MIN_TOPIC_WORDS = 5
"""Distinct content words a turn needs before it can count as drifting."""

SCORE_PREFIX = "endstate_"
"""Per-turn scores are stored among the turn's metrics as `endstate_<name>`."""

SCORE_KEYS: dict[str, str] = {name: SCORE_PREFIX + name for name in END_STATE_NAMES}

_STEM = 5


def stem(word: str) -> str:
    """The crude stem `topic_drift` compares words by: a final `s` dropped, then the first 5
    letters (comb ~ combs, colony ~ colonies)."""
    if len(word) > 3 and word[-1] == "s":
        word = word[:-1]
    return word[:_STEM]


_STEMS: dict[str, str] = {}
"""`stem` by word: a dict look-up is cheaper than the call."""


def stems(words: Iterable[str]) -> set[str]:
    """The stems of `words`, through a cache of each word's stem."""
    cache = _STEMS
    try:
        return set(map(cache.__getitem__, words))
    except KeyError:
        if len(cache) > 100_000:
            cache.clear()
        for word in words:
            if word not in cache:
                cache[word] = stem(word)
        return set(map(cache.__getitem__, words))

_GRATITUDE_FULL = 0.10
_META_FULL = 0.12
_FAREWELL_FULL = 0.06
_STILLNESS_FULL = 0.15
_TOPIC_FULL = 0.4
_BRIEF_WORDS = 4.0


def _clip(value: float) -> float:
    return 0.0 if value < 0.0 else 1.0 if value > 1.0 else value


def _glyph_share(m: Mapping[str, float]) -> float:
    """Emoji, symbols and arrows as a share of the message's non-space characters."""
    visible = 1.0 - m["whitespace_ratio"]
    if visible <= 0.0:
        return 0.0
    return _clip((m["emoji_density"] + m["symbol_density"] + m["arrow_density"]) / visible)


def _silence(m: Mapping[str, float], glyphs: float) -> float:
    # A message of emoji is an emoji collapse, not silence: only dots and blanks are brief.
    brevity = 0.0 if glyphs >= 0.5 else max(0.0, 1.0 - m["words"] / _BRIEF_WORDS)
    return max(brevity, _clip(m["stillness_rate"] / _STILLNESS_FULL))


def turn_scores(a: Mapping[str, float], b: Mapping[str, float], cross: Mapping[str, float],
                topic_reuse: float | None) -> dict[str, float]:
    """Every detector's score for one turn.

    `a`/`b` are the agents' unprefixed per-message and cumulative metrics, `cross` the turn's
    cross-agent metrics, `topic_reuse` the share of the turn's content words found in the
    opening (None while the opening is being defined, or when the turn has too few content
    words to have a topic). A turn that another detector explains (its score at or above its
    threshold) does not count as topic drift: a gratitude spiral has no topic words either.
    """
    within = (max(a["self_trigram_reuse"], a["repeated_trigram_ratio"])
              + max(b["self_trigram_reuse"], b["repeated_trigram_ratio"])) / 2.0
    across = max(cross["mimicry_a_to_b_3"], cross["mimicry_b_to_a_3"])
    glyphs_a, glyphs_b = _glyph_share(a), _glyph_share(b)
    scores = {
        "loop": max(within, across),
        "emoji_collapse": (glyphs_a + glyphs_b) / 2.0,
        "gratitude_spiral": _clip((a["gratitude_rate"] + a["bliss_rate"] + b["gratitude_rate"]
                                   + b["bliss_rate"]) / 2.0 / _GRATITUDE_FULL),
        "meta_talk": _clip((a["meta_rate"] + a["ai_identity_rate"] + b["meta_rate"]
                            + b["ai_identity_rate"]) / 2.0 / _META_FULL),
        "goodbye_loop": min(_clip(a["farewell_rate"] / _FAREWELL_FULL),
                            _clip(b["farewell_rate"] / _FAREWELL_FULL)),
        "silence": (_silence(a, glyphs_a) + _silence(b, glyphs_b)) / 2.0,
    }
    explained = any(scores[name] >= spec.threshold for name, spec in _OTHERS)
    scores["topic_drift"] = 0.0 if topic_reuse is None or explained \
        else 1.0 - _clip(topic_reuse / _TOPIC_FULL)
    return scores


class EndStateTracker:
    """Turns per-turn scores into detections (threshold held for `persistence` turns)."""

    __slots__ = ("_runs", "_run_start", "detected", "_new")

    def __init__(self, specs: Mapping[str, EndStateSpec] = END_STATES) -> None:
        self._runs = {name: (spec.threshold, spec.persistence) for name, spec in specs.items()}
        self._run_start: dict[str, int | None] = dict.fromkeys(specs)
        self.detected: dict[str, EndStateOnset] = {}
        """Detected end states by name, in the order they were detected."""
        self._new: list[EndStateOnset] = []

    def update(self, turn_number: int, scores: Mapping[str, float], turns_seen: int
               ) -> list[EndStateOnset]:
        """Feed one turn's scores; returns the end states first detected at this turn.

        `turns_seen` counts the turns scored so far, this one included: a run that began at
        the n-th turn scored has n - 1 substantive turns before it.
        """
        new: list[EndStateOnset] = []
        for name, (threshold, persistence) in self._runs.items():
            score = scores[name]
            start = self._run_start[name]
            if score < threshold:
                self._run_start[name] = None
                continue
            if start is None:
                start = self._run_start[name] = turns_seen
            if name in self.detected or turns_seen - start + 1 < persistence:
                continue
            onset = EndStateOnset(name, turn_number - (turns_seen - start), turn_number,
                                  score, start - 1)
            self.detected[name] = onset
            new.append(onset)
        self._new = new
        return new

    def take_new(self) -> list[EndStateOnset]:
        """The end states first detected at the latest turn (emptied by the call)."""
        new, self._new = self._new, []
        return new


def substantive_turns(onsets: Iterable[EndStateOnset], turns_completed: int) -> int:
    """Turns before the earliest degradation began; all turns when none did."""
    before = [o.turns_before for o in onsets if o.name in DEGRADATIONS]
    return min(before) if before else turns_completed


def labels(onsets: Iterable[EndStateOnset]) -> list[str]:
    """End-state names in order of onset (ties in `END_STATES` order)."""
    order = {name: i for i, name in enumerate(END_STATE_NAMES)}
    return [o.name for o in sorted(onsets, key=lambda o: (o.onset_turn, order[o.name]))]


_TITLES = {"loop": "repetition loop", "meta_talk": "meta-talk"}


def title(name: str) -> str:
    """How reports name an end state in prose: `gratitude_spiral` -> "gratitude spiral"."""
    return _TITLES.get(name, name.replace("_", " "))

"""Per-turn metrics of one conversation: the stateful scorer the conductor calls after each turn.

`make_turn_scorer(profile)` returns a fresh `ConversationMetrics`, a callable
`(turn_number, text_a, text_b) -> (metrics, convergence score)`. Per-agent metrics are prefixed
`a_`/`b_`; cross-agent metrics have no prefix. Cumulative metrics (self-repetition, novelty,
TF-IDF against the conversation so far, running convergence) come from the scorer's state, so
one scorer serves exactly one conversation, fed turns in order.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TYPE_CHECKING

from pidgin_tui.core.events import FIRST_TURN
from pidgin_tui.core.types import AgentId
from pidgin_tui.metrics.catalog import PER_AGENT
from pidgin_tui.metrics.convergence import (
    DEFAULT_PROFILE,
    EMA_ALPHA,
    PROFILES,
    check_profile,
    convergence_score,
)
from pidgin_tui.metrics.endstates import (
    MIN_TOPIC_WORDS,
    OPENING_TURNS,
    SCORE_KEYS,
    EndStateTracker,
    stem,
    stems,
    turn_scores,
)
from pidgin_tui.metrics.lexicons import STOPWORDS
from pidgin_tui.metrics.similarity import (
    TfIdfHistory,
    cosine,
    jaccard,
    jaccard_of_sizes,
    ncd_similarity,
    norm,
    profile_similarity,
    ratio_similarity,
    reuse,
    reuse_and_add,
    reuse_of_sizes,
)
from pidgin_tui.metrics.text import (
    MessageAnalysis,
    analyze,
    joined_compressed_size,
    tokenize,
)

if TYPE_CHECKING:
    from pidgin_tui.core.plan import EndStateOnset

__all__ = ["METRICS_VERSION", "PROFILES", "ConversationMetrics", "make_turn_scorer"]

METRICS_VERSION = 4
"""Bumped whenever a metric is added, removed or changes definition."""


RECENT_MESSAGES = 8
"""Distinct recent messages whose analysis a conversation keeps for reuse: a loop usually
cycles through a few messages."""

_PREFIXED: dict[str, dict[str, str]] = {
    agent: {name: f"{agent}_{name}" for name in PER_AGENT} for agent in ("a", "b")}
"""Prefixed metric keys, built once."""


_PREFIXED_ORDER: dict[str, tuple[str, ...]] = {}
"""Each agent's prefixed keys in the order its values come in (the same on every turn)."""


def _prefixed_keys(agent: str, values: dict[str, float]) -> tuple[str, ...]:
    """The prefixed names of `values`' keys, in order (every name is in the catalog: a test
    holds them together)."""
    keys = _PREFIXED_ORDER.get(agent)
    if keys is None or len(keys) != len(values):
        keys = _PREFIXED_ORDER[agent] = tuple(map(_PREFIXED[agent].__getitem__, values))
    return keys


class _AgentState:
    """What one agent has said so far, as far as its cumulative metrics need."""

    __slots__ = ("last", "bigrams", "trigrams", "vocabulary")

    def __init__(self) -> None:
        self.last: MessageAnalysis | None = None
        self.bigrams: set[str] = set()
        self.trigrams: set[str] = set()
        self.vocabulary: set[str] = set()


class ConversationMetrics:
    """Computes every metric of each turn of one conversation (see docs/metrics.md)."""

    def __init__(self, profile: str = DEFAULT_PROFILE, first_speaker: AgentId = AgentId.A,
                 prompt: str = "") -> None:
        check_profile(profile)
        self.profile = profile
        self.order = ("a", "b") if first_speaker != AgentId.B else ("b", "a")
        self._agents = {"a": _AgentState(), "b": _AgentState()}
        self._seen_words: set[str] = set()
        self._seen_bigrams: set[str] = set()
        self._tfidf = TfIdfHistory()
        self._first_turn: set[str] | None = None
        self._topic_reuse: float | None = None
        self._turns = 0
        self._previous_turn: set[str] | None = None
        self._scores: list[float] = []
        self._score_sum = 0.0
        self._ema = 0.0
        self._opening = {stem(w) for w in tokenize(prompt) if w not in STOPWORDS}
        """Content words of the opening (prompt, then the first turn): the topic anchor."""
        self.end_states = EndStateTracker()
        self._recent: dict[str, MessageAnalysis] = {}
        self._pairs: dict[tuple[str, str], tuple[_Shared, dict[str, float]]] = {}
        """`_pair_metrics` of the latest distinct (A, B) message pairs, likewise."""
        """Analyses of the latest distinct messages by text, least recently seen first."""

    def __call__(self, turn_number: int, text_a: str, text_b: str
                 ) -> tuple[dict[str, float], float]:
        # Only A's text comes first in the pair's joined compression (`_pair_metrics`).
        msgs = {"a": self._analyze(text_a), "b": self._analyze(text_b, continued=False)}
        metrics: dict[str, float] = {"metrics_version": float(METRICS_VERSION)}
        cross = self._cross(msgs)
        self._tfidf.add_documents([msgs["a"].content_counts, msgs["b"].content_counts])
        weighted = {agent: self._tfidf.weigh(m.content_counts) for agent, m in msgs.items()}
        norms = {agent: norm(vector) for agent, vector in weighted.items()}
        cross["tfidf_cosine"] = cosine(weighted["a"], weighted["b"], norms["a"], norms["b"])
        unprefixed: dict[str, dict[str, float]] = {}
        for agent in self.order:
            msg = msgs[agent]
            values = msg.metrics | self._cumulative(agent, msg, weighted[agent], norms[agent])
            metrics.update(zip(_prefixed_keys(agent, values), values.values(), strict=True))
            unprefixed[agent] = values
        cross["vocabulary_overlap"] = self._vocabulary_overlap()
        score = convergence_score(cross, self.profile)
        self._scores.append(score)
        self._ema = score if len(self._scores) == 1 else \
            EMA_ALPHA * score + (1 - EMA_ALPHA) * self._ema
        self._score_sum += score  # summed in turn order, as sum(self._scores) would
        cross["convergence_mean"] = self._score_sum / len(self._scores)
        cross["convergence_ema"] = self._ema
        cross["convergence_delta"] = score - self._scores[-2] if len(self._scores) > 1 else 0.0
        metrics.update(cross)
        end_scores = turn_scores(unprefixed["a"], unprefixed["b"], cross, self._topic_reuse)
        for name, value in end_scores.items():
            metrics[SCORE_KEYS[name]] = value
        self.end_states.update(turn_number, end_scores, len(self._scores))
        return metrics, score

    def _analyze(self, text: str, continued: bool = True) -> MessageAnalysis:
        """`analyze(text, continued)`, reused when the text is one of the conversation's recent
        messages (a looping conversation repeats them verbatim; an analysis is never modified).
        """
        recent = self._recent
        analysis = recent.pop(text, None)
        if analysis is None:
            analysis = analyze(text, continued)
            if len(recent) >= RECENT_MESSAGES:
                del recent[next(iter(recent))]  # the least recently seen
        recent[text] = analysis
        return analysis

    def take_end_states(self) -> list[EndStateOnset]:
        """End states first detected at the latest turn (see `EndStateSource`)."""
        return self.end_states.take_new()

    def replay(self, turns: Iterable[tuple[str, str]]) -> None:
        """Feed earlier turns (texts of A and B) without using their metrics: a resumed
        conversation's scorer then continues its cumulative metrics where they stopped."""
        for turn_number, (text_a, text_b) in enumerate(turns, start=FIRST_TURN):
            self(turn_number, text_a, text_b)

    def _cross(self, msgs: dict[str, MessageAnalysis]) -> dict[str, float]:
        """Cross-agent metrics that need no cumulative state except the previous messages."""
        a, b = msgs["a"], msgs["b"]
        # Metrics of the two messages alone, reused when a looping conversation repeats both.
        pairs, texts = self._pairs, (a.text, b.text)
        pair = pairs.pop(texts, None)
        if pair is None:
            pair = _pair_metrics(a, b)
            if len(pairs) >= RECENT_MESSAGES:
                del pairs[next(iter(pairs))]  # the least recently seen
        pairs[texts] = pair
        shared, values = pair
        out = dict(values)
        # Mimicry X→Y: how much of Y's message reuses X's latest message before Y spoke.
        first = self.order[0]
        for src, dst in (("a", "b"), ("b", "a")):
            target = msgs[dst]
            key = f"mimicry_{src}_to_{dst}"
            if src == first:  # X spoke first in this turn: the intersections are known
                out[f"{key}_1"] = reuse_of_sizes(shared.content, len(target.content_counts))
                out[f"{key}_2"] = reuse_of_sizes(shared.bigrams, len(target.bigrams))
                out[f"{key}_3"] = reuse_of_sizes(shared.trigrams, len(target.trigrams))
                continue
            source = self._agents[src].last
            if source is None:
                out[f"{key}_1"] = out[f"{key}_2"] = out[f"{key}_3"] = 0.0
                continue
            out[f"{key}_1"] = reuse(source.content_counts, target.content_counts)
            out[f"{key}_2"] = reuse(source.bigrams, target.bigrams)
            out[f"{key}_3"] = reuse(source.trigrams, target.trigrams)
        turn_set = a.content_counts.keys() | b.content_counts.keys()
        if self._first_turn is None:
            self._first_turn = turn_set
        self._turns += 1
        if self._turns <= OPENING_TURNS:
            self._opening.update(stems(turn_set))
            self._topic_reuse = None
        elif len(turn_set) < MIN_TOPIC_WORDS:
            self._topic_reuse = None
        else:
            self._topic_reuse = reuse(self._opening, stems(turn_set))
        out["similarity_to_first_turn"] = jaccard(turn_set, self._first_turn)
        out["turn_repetition"] = 0.0 if self._previous_turn is None \
            else jaccard(turn_set, self._previous_turn)
        self._previous_turn = turn_set
        # The turn's bigrams already seen are those that do not grow the history set.
        seen, size_before = self._seen_bigrams, len(self._seen_bigrams)
        seen.update(a.bigrams)
        seen.update(b.bigrams)
        turn_bigrams = len(a.bigrams) + len(b.bigrams) - shared.bigrams
        out["shared_bigram_history"] = reuse_of_sizes(
            turn_bigrams - (len(seen) - size_before), turn_bigrams)
        return out

    def _cumulative(self, agent: str, msg: MessageAnalysis, weighted: dict[str, float],
                    weighted_norm: float) -> dict[str, float]:
        """Metrics of one agent's message against what was said before it; updates the state."""
        state = self._agents[agent]
        types = msg.word_counts.keys()
        last = state.last
        out = {
            "self_overlap": 0.0 if last is None
            else jaccard(msg.content_counts.keys(), last.content_counts.keys()),
            "self_bigram_reuse": reuse_and_add(state.bigrams, msg.bigrams.keys()),
            "self_trigram_reuse": reuse_and_add(state.trigrams, msg.trigrams.keys()),
            "novel_word_ratio": 1.0 - reuse_and_add(self._seen_words, types) if types else 0.0,
            "length_growth": 0.0 if last is None
            else math.log((msg.metrics["words"] + 1) / (last.metrics["words"] + 1)),
            # The message then joins the history the next message is compared with.
            "tfidf_history": self._tfidf.history_similarity(msg.content_counts, weighted,
                                                            weighted_norm, then_add=True),
        }
        state.vocabulary.update(types)
        state.last = msg
        out["vocabulary_size"] = float(len(state.vocabulary))
        return out

    def _vocabulary_overlap(self) -> float:
        """Jaccard of the two agents' vocabularies: the words seen so far are their union."""
        size_a, size_b = len(self._agents["a"].vocabulary), len(self._agents["b"].vocabulary)
        return jaccard_of_sizes(size_a + size_b - len(self._seen_words), size_a, size_b)


class _Shared:
    """Sizes of the intersections of two messages' content words, bigrams and trigrams."""

    __slots__ = ("content", "bigrams", "trigrams")

    def __init__(self, a: MessageAnalysis, b: MessageAnalysis) -> None:
        self.content = len(a.content_counts.keys() & b.content_counts.keys())
        self.bigrams = len(a.bigrams.keys() & b.bigrams.keys())
        self.trigrams = len(a.trigrams.keys() & b.trigrams.keys())


def _pair_metrics(a: MessageAnalysis, b: MessageAnalysis) -> tuple[_Shared, dict[str, float]]:
    """The cross metrics of two messages that depend on nothing else, and the sizes of their
    shared content words and n-grams (the mimicry metrics use them too)."""
    shared = _Shared(a, b)
    out: dict[str, float] = {
        # Words are content or function words: the shared words are the shared of each kind.
        "word_jaccard": jaccard_of_sizes(
            shared.content + len(a.function_counts.keys() & b.function_counts.keys()),
            len(a.word_counts), len(b.word_counts)),
        "content_jaccard": jaccard_of_sizes(shared.content, len(a.content_counts),
                                            len(b.content_counts)),
        "bigram_jaccard": jaccard_of_sizes(shared.bigrams, len(a.bigrams), len(b.bigrams)),
        "trigram_jaccard": jaccard_of_sizes(shared.trigrams, len(a.trigrams),
                                            len(b.trigrams)),
        "char_cosine": cosine(a.char_counts, b.char_counts),
        "function_word_cosine": cosine(a.function_counts, b.function_counts),
        "lexicon_cosine": cosine(a.lexicon, b.lexicon)
        if any(a.lexicon.values()) or any(b.lexicon.values()) else 1.0,
        "structure_similarity": profile_similarity(a.structure, b.structure),
        "length_ratio": ratio_similarity(a.metrics["words"], b.metrics["words"]),
        "sentiment_similarity": 1.0 - abs(a.polarity - b.polarity) / 2.0,
        "ncd_similarity": ncd_similarity(a.raw, b.raw, a.compressed, b.compressed,
                                         lambda: joined_compressed_size(a, b)),
        "identical": float(a.words == b.words and a.text.split() == b.text.split()),
    }
    return shared, out


def make_turn_scorer(profile: str = DEFAULT_PROFILE, first_speaker: AgentId = AgentId.A,
                     prompt: str = "") -> ConversationMetrics:
    """A fresh scorer for one conversation (raises UnknownProfileError for a bad profile).

    `prompt` is the opening prompt: with the first turn it anchors `topic_drift`."""
    return ConversationMetrics(profile, first_speaker, prompt)


def score_turn(turn_number: int, text_a: str, text_b: str) -> tuple[dict[str, float], float]:
    """Stateless scoring of one turn with the default profile.

    Cumulative metrics see only this turn; a conversation should use `make_turn_scorer`.
    """
    return make_turn_scorer()(turn_number, text_a, text_b)

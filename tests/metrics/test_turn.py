"""The per-conversation scorer: catalog coverage, cross metrics, cumulative state, profiles."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pidgin_tui.core.types import AgentId
from pidgin_tui.metrics.catalog import CROSS, PER_AGENT, metric_names, render_markdown
from pidgin_tui.metrics.convergence import PROFILES, UnknownProfileError
from pidgin_tui.metrics.notes import VERSION_CHANGES
from pidgin_tui.metrics.similarity import TfIdfHistory, cosine
from pidgin_tui.metrics.turn import METRICS_VERSION, make_turn_scorer

DOCS = Path(__file__).resolve().parents[2] / "docs" / "metrics.md"


def test_scorer_emits_exactly_the_documented_metrics() -> None:
    metrics, score = make_turn_scorer()(0, "Hello there, friend.", "Hi! How are you?")
    assert metrics.pop("metrics_version") == METRICS_VERSION
    assert sorted(metrics) == sorted(metric_names())
    assert len(metrics) >= 140
    assert 0.0 <= score <= 1.0
    assert not any(n.startswith(("a_", "b_")) for n in CROSS)  # the DB splits on the prefix
    assert not set(PER_AGENT) & set(CROSS)


def test_docs_metrics_md_is_rendered_from_the_catalog() -> None:
    assert DOCS.read_text(encoding="utf-8") == render_markdown(), \
        "docs/metrics.md is stale: regenerate it from pidgin_tui.metrics.catalog.render_markdown"


def test_the_documented_versions_end_at_the_current_one() -> None:
    assert list(VERSION_CHANGES) == list(range(1, METRICS_VERSION + 1))


def test_metrics_are_not_constant_across_different_conversations() -> None:
    rng = random.Random(3)
    vocab = ["river", "light", "maybe", "we", "you", "I", "sort of", "great", "not", "→", "🙂",
             "**bold**", "(aside)", "?", "!", "\n# Head\n", "\n- item\n", "\n```\ncode\n```\n",
             "agree", "definitely", "however", "thanks", "please", "sorry", "conversation", "AI",
             "very", "curious", "https://x.org", "...", "—", "`c`", "\n> q\n", "$", "42",
             "Upper", "\n\n", "awful", "extraordinarily", "river light", ".", "namaste",
             "take care", "silence", "you too"]
    seen: dict[str, set[float]] = {name: set() for name in metric_names()}
    for _ in range(30):
        scorer = make_turn_scorer()
        for turn in range(4):  # topic drift is scored from the third turn on
            text_a = " ".join(rng.choices(vocab, k=rng.randint(0, 40)))
            text_b = " ".join(rng.choices(vocab, k=rng.randint(0, 40)))
            if rng.random() < 0.2:
                text_b = text_a
            metrics, _ = scorer(turn, text_a, text_b)
            for name in seen:
                seen[name].add(round(metrics[name], 9))
    constant = sorted(n for n, values in seen.items() if len(values) < 2)
    assert constant == []


def test_mimicry_follows_speaking_order() -> None:
    scorer = make_turn_scorer()
    m0, _ = scorer(0, "alpha beta gamma", "alpha beta delta")
    assert m0["mimicry_a_to_b_2"] == pytest.approx(0.5)  # B reused "alpha beta" of 2 bigrams
    assert m0["mimicry_b_to_a_2"] == 0.0  # A spoke first: nothing of B to reuse yet
    m1, _ = scorer(1, "beta delta epsilon", "zeta eta theta")
    assert m1["mimicry_b_to_a_2"] == pytest.approx(0.5)  # A reused "beta delta" of B's turn 0
    assert m1["mimicry_a_to_b_2"] == 0.0

    b_first = make_turn_scorer(first_speaker=AgentId.B)
    m0, _ = b_first(0, "alpha beta delta", "alpha beta gamma")
    assert m0["mimicry_b_to_a_2"] == pytest.approx(0.5)
    assert m0["mimicry_a_to_b_2"] == 0.0


def test_cumulative_metrics_track_the_conversation() -> None:
    scorer = make_turn_scorer()
    m0, s0 = scorer(0, "rivers carry light downstream", "mountains hold snow")
    m1, s1 = scorer(1, "rivers carry light downstream", "mountains hold snow")
    assert m0["a_self_overlap"] == 0.0 and m1["a_self_overlap"] == 1.0
    assert m1["a_self_trigram_reuse"] == 1.0
    assert m1["a_novel_word_ratio"] == 0.0 and m0["a_novel_word_ratio"] == 1.0
    assert m1["turn_repetition"] == 1.0
    assert m1["a_vocabulary_size"] == m0["a_vocabulary_size"] == 4
    assert m1["convergence_mean"] == pytest.approx((s0 + s1) / 2)
    assert m1["convergence_delta"] == pytest.approx(s1 - s0)
    assert m1["a_tfidf_history"] > 0.5


def test_identical_messages_converge_fully_in_every_profile() -> None:
    text = "We keep circling the same idea — maybe that is the point?"
    for profile in PROFILES:
        metrics, score = make_turn_scorer(profile)(0, text, text)
        assert score == pytest.approx(1.0), profile
        assert metrics["identical"] == 1.0


def test_unrelated_messages_score_low_and_profiles_differ() -> None:
    a = "Quantum chromodynamics describes gluons binding quarks inside protons."
    b = "lol ok 🙂"
    scores = {p: make_turn_scorer(p)(0, a, b)[1] for p in PROFILES}
    # `structural` measures style only; neither message has a function word, which it counts
    # as the same style, so only the content profiles must score these low.
    assert max(s for p, s in scores.items() if p != "structural") < 0.2
    assert len({round(s, 6) for s in scores.values()}) == len(PROFILES)


def test_unknown_profile_names_the_valid_ones() -> None:
    with pytest.raises(UnknownProfileError, match="balanced, structural, semantic, strict"):
        make_turn_scorer("loose")


def test_tfidf_history_matches_a_direct_computation() -> None:
    rng = random.Random(11)
    vocab = [f"t{i}" for i in range(25)]
    tfidf = TfIdfHistory()
    messages: list[dict[str, int]] = []
    for _ in range(12):
        turn = []
        for _ in range(2):
            doc: dict[str, int] = {}
            for w in rng.choices(vocab, k=rng.randint(1, 12)):
                doc[w] = doc.get(w, 0) + 1
            turn.append(doc)
        tfidf.add_documents(turn)
        n_docs = len(messages) + 2
        df = {t: sum(1 for d in messages + turn if t in d) for t in vocab}

        def idf(t: str, n_docs: int = n_docs, df: dict[str, int] = df) -> float:
            return math.log((1 + n_docs) / (1 + df[t])) + 1

        for doc in turn:
            history: dict[str, float] = {}
            for old in messages:
                for t, c in old.items():
                    history[t] = history.get(t, 0) + c
            expected = cosine({t: c * idf(t) for t, c in doc.items()},
                              {t: c * idf(t) for t, c in history.items()}) if history else 0.0
            assert tfidf.history_similarity(doc) == pytest.approx(expected, abs=1e-9)
            tfidf.add_history(doc)
            messages.append(doc)


@settings(max_examples=150, deadline=None)
@given(turns=st.lists(st.tuples(*[st.dictionaries(st.sampled_from([f"t{i}" for i in range(30)]),
                                                  st.integers(1, 5), max_size=12)] * 2),
                      min_size=1, max_size=8))
def test_similarity_then_add_in_one_pass_equals_the_two_steps(
        turns: list[tuple[dict[str, int], dict[str, int]]]) -> None:
    fused, stepwise = TfIdfHistory(), TfIdfHistory()
    for turn in turns:
        fused.add_documents(turn)
        stepwise.add_documents(turn)
        for doc in turn:
            expected = stepwise.history_similarity(doc)
            stepwise.add_history(doc)
            assert fused.history_similarity(doc, then_add=True) == expected  # bit for bit
            assert (fused._s0, fused._s1, fused._s2) == (stepwise._s0, stepwise._s1,
                                                         stepwise._s2)
            assert fused.history == stepwise.history


def test_replay_continues_cumulative_metrics_like_an_uninterrupted_run() -> None:
    turns = [("rivers carry light", "light bends in water"), ("water remembers", "rivers forget"),
             ("so do we, maybe", "maybe we remember rivers")]
    straight = make_turn_scorer()
    for i, (a, b) in enumerate(turns[:2]):
        straight(i, a, b)
    resumed = make_turn_scorer()
    resumed.replay(turns[:2])
    continued = resumed(2, *turns[2])
    assert continued == straight(2, *turns[2])
    fresh, _ = make_turn_scorer()(2, *turns[2])
    assert fresh["a_vocabulary_size"] < continued[0]["a_vocabulary_size"]

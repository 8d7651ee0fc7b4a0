"""The labelled sets: the convergence score orders the pair classes as documented, and each
end-state detector reaches the documented precision and recall; the figures in
docs/metrics.md are exactly the ones measured here."""

from __future__ import annotations

from statistics import fmean

import pytest

from pidgin_tui.metrics import validation
from pidgin_tui.metrics.endstates import END_STATE_NAMES
from pidgin_tui.metrics.turn import make_turn_scorer
from tests.metrics.validation_sets import (
    Labelled,
    convergence_pairs,
    synthetic_conversations,
    tiny_model_conversations,
)


def _pair_scores() -> dict[str, list[float]]:
    return {cls: [make_turn_scorer()(1, a, b)[1] for a, b in pairs]
            for cls, pairs in convergence_pairs().items()}


def measured_convergence() -> tuple[dict[str, float], dict[tuple[str, str], float]]:
    scores = _pair_scores()
    means = {cls: round(fmean(values), 2) for cls, values in scores.items()}
    order = validation.CONVERGENCE_CLASS_ORDER
    aucs = {(hi, lo): round(validation.auc(scores[hi], scores[lo]), 2)
            for i, hi in enumerate(order) for lo in order[i + 1:]}
    aucs[("tiny-model", "unrelated")] = round(
        validation.auc(scores["tiny-model"], scores["unrelated"]), 2)
    return means, aucs


def _detect(conv: Labelled) -> dict[str, int]:
    scorer = make_turn_scorer(prompt=conv.prompt)
    for turn, (a, b) in enumerate(conv.turns, start=1):
        scorer(turn, a, b)
    return {name: onset.onset_turn for name, onset in scorer.end_states.detected.items()}


def measured_end_states() -> dict[str, tuple[float, float, int]]:
    conversations = synthetic_conversations() + tiny_model_conversations()
    detected = [_detect(conv) for conv in conversations]
    pairs = list(zip(conversations, detected, strict=True))
    out = {}
    for name in END_STATE_NAMES:
        tp = sum(name in d and name in c.labels for c, d in pairs)
        fp = sum(name in d and name not in c.labels for c, d in pairs)
        fn = sum(name not in d and name in c.labels for c, d in pairs)
        precision, recall = validation.precision_recall(tp, fp, fn)
        out[name] = (round(precision, 2), round(recall, 2), tp + fn)
    return out


def test_the_score_orders_the_pair_classes_as_documented() -> None:
    means, aucs = measured_convergence()
    order = validation.CONVERGENCE_CLASS_ORDER
    # mirrored and looping are both near-verbatim; each is above every other class
    assert min(means["mirrored"], means["looping"]) > means["converging"] > \
        means["diverging"] >= means["unrelated"]
    assert aucs[("converging", "unrelated")] >= 0.95
    assert aucs[("converging", "diverging")] >= 0.9
    # SmolLM2 loops on its own words rather than its partner's: above unrelated, not higher
    assert means["tiny-model"] > means["unrelated"] and aucs[("tiny-model", "unrelated")] >= 0.8
    assert len(order) == 5 and means["unrelated"] < validation.OLD_UNRELATED_MEAN / 2


def test_a_question_mark_cannot_move_the_score_much() -> None:
    a = "Bees build hexagonal cells because the hexagon stores the most honey."
    b = "The hexagon shape saves wax, so bees store more honey with less effort"
    plain = make_turn_scorer()(1, a, b + ".")[1]
    asked = make_turn_scorer()(1, a, b + "?")[1]
    assert abs(plain - asked) < 0.03


def test_documented_convergence_figures_are_the_measured_ones() -> None:
    means, aucs = measured_convergence()
    assert validation.CONVERGENCE_MEANS == means
    assert validation.CONVERGENCE_AUC == aucs


@pytest.mark.parametrize("name", END_STATE_NAMES)
def test_each_detector_reaches_the_floor(name: str) -> None:
    precision, recall, labelled = measured_end_states()[name]
    assert labelled >= 2
    assert precision >= validation.END_STATE_FLOOR and recall >= validation.END_STATE_FLOOR


def test_documented_detector_figures_are_the_measured_ones() -> None:
    assert validation.END_STATE_PRECISION_RECALL == measured_end_states()


def test_onsets_are_close_to_where_a_reader_puts_them() -> None:
    for conv in synthetic_conversations() + tiny_model_conversations():
        if conv.labels and conv.onset is not None:
            found = [t for n, t in _detect(conv).items() if n in conv.labels]
            assert found and abs(min(found) - conv.onset) <= 2, conv.id


def test_a_real_30_turn_tiny_model_conversation_gets_the_end_state_a_reader_gives_it() -> None:
    """SmolLM2-135M talking to itself for 30 turns (generated through the Ollama adapter, see
    tests/data/tiny_model/make_fixture.py): a reader of the transcript calls it a repetition
    loop; the detectors say the same, and nothing else."""
    conversations = [c for c in tiny_model_conversations() if len(c.turns) == 30]
    assert conversations, "a 30-turn tiny-model conversation is part of the set"
    for conv in conversations:
        detected = _detect(conv)
        assert set(detected) == set(conv.labels), conv.id
        assert conv.onset is not None
        assert abs(min(detected[name] for name in conv.labels) - conv.onset) <= 2

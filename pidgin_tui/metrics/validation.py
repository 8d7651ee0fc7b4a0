"""How well the convergence score and the end-state detectors separate labelled data.

The figures below are measured on the labelled sets in `tests/data/` (hand-written pairs and
conversations, plus real SmolLM2-135M conversations) by `tests/metrics/test_validation.py`,
which recomputes them and fails if they drift; docs/metrics.md is rendered from them.
"""

from __future__ import annotations

from collections.abc import Sequence


def auc(positives: Sequence[float], negatives: Sequence[float]) -> float:
    """Probability that a random positive scores above a random negative (ties count half)."""
    if not positives or not negatives:
        raise ValueError("auc needs at least one positive and one negative")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def precision_recall(true_positives: int, false_positives: int, false_negatives: int
                     ) -> tuple[float, float]:
    """(precision, recall); 1.0 when there is nothing to be wrong about."""
    predicted = true_positives + false_positives
    actual = true_positives + false_negatives
    return (true_positives / predicted if predicted else 1.0,
            true_positives / actual if actual else 1.0)


CONVERGENCE_CLASS_ORDER = ("mirrored", "looping", "converging", "diverging", "unrelated")
"""Documented order of the labelled pair classes, from most to least convergent."""

CONVERGENCE_MEANS: dict[str, float] = {
    "mirrored": 0.85,
    "looping": 0.85,
    "converging": 0.31,
    "diverging": 0.18,
    "unrelated": 0.15,
    "tiny-model": 0.53,
}
"""Mean `balanced` score per labelled class (and `tiny-model`), two decimals."""

CONVERGENCE_AUC: dict[tuple[str, str], float] = {
    ("mirrored", "looping"): 0.57,
    ("mirrored", "converging"): 1.0,
    ("mirrored", "diverging"): 1.0,
    ("mirrored", "unrelated"): 1.0,
    ("looping", "converging"): 1.0,
    ("looping", "diverging"): 1.0,
    ("looping", "unrelated"): 1.0,
    ("converging", "diverging"): 1.0,
    ("converging", "unrelated"): 1.0,
    ("diverging", "unrelated"): 0.73,
    ("tiny-model", "unrelated"): 0.93,
}
"""AUC of one class against another with the `balanced` profile, two decimals."""

OLD_UNRELATED_MEAN = 0.35
"""The same unrelated pairs under metrics_version 2 (structure and character cosine heavy)."""

END_STATE_PRECISION_RECALL: dict[str, tuple[float, float, int]] = {
    "loop": (1.0, 1.0, 5),
    "emoji_collapse": (1.0, 1.0, 2),
    "gratitude_spiral": (1.0, 1.0, 3),
    "meta_talk": (1.0, 1.0, 2),
    "goodbye_loop": (1.0, 1.0, 2),
    "silence": (1.0, 1.0, 2),
    "topic_drift": (1.0, 1.0, 2),
}
"""Per detector: (precision, recall, labelled conversations) over both labelled sets."""

END_STATE_FLOOR = 0.8
"""Precision and recall every detector must reach on the labelled sets (see docs/metrics.md)."""

"""Every stored per-turn value is pinned bit for bit, so a speed-up cannot change the record.

tests/data/metrics_golden/values.json holds, for each metric, a digest of its exact values
over the corpus of `golden_corpus` (labelled end-state and tiny-model conversations, the
convergence pairs, seeded synthetic conversations), and the end states each conversation
detected. It is regenerated only when a definition changes, together with METRICS_VERSION.
"""

from __future__ import annotations

import json

import pytest

from pidgin_tui.metrics.catalog import metric_names
from tests.metrics.golden_corpus import GOLDEN, measure


def test_every_metric_value_and_end_state_is_unchanged() -> None:
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))
    now = measure()
    changed = sorted(name for name, digest in now["metrics"].items()  # type: ignore[attr-defined]
                     if pinned["metrics"].get(name) != digest)
    assert changed == [], f"stored values changed for: {', '.join(changed)}"
    assert now["metrics"].keys() == pinned["metrics"].keys()  # type: ignore[attr-defined]
    assert now["end_states"] == pinned["end_states"]


def test_the_pins_cover_every_catalogued_metric() -> None:
    pinned = json.loads(GOLDEN.read_text(encoding="utf-8"))["metrics"]
    assert set(metric_names()) | {"metrics_version", "convergence_score"} == set(pinned)


def test_the_pins_notice_a_single_changed_value(monkeypatch: pytest.MonkeyPatch) -> None:
    from pidgin_tui.metrics import text

    real = text.analyze

    def off_by_one_ulp(message: str, continued: bool = True) -> text.MessageAnalysis:
        analysis = real(message, continued)
        if message.startswith("Bees build combs"):
            analysis.metrics["ttr"] = float.__add__(analysis.metrics["ttr"], 1e-15)
        return analysis

    monkeypatch.setattr("pidgin_tui.metrics.turn.analyze", off_by_one_ulp)
    changed = [name for name, digest in measure()["metrics"].items()  # type: ignore[attr-defined]
               if json.loads(GOLDEN.read_text(encoding="utf-8"))["metrics"][name] != digest]
    assert changed == ["a_ttr"]


def test_a_repeated_message_or_pair_is_analysed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from pidgin_tui.metrics import turn

    analysed: list[str] = []
    pairs: list[tuple[str, str]] = []
    real_analyze, real_pair = turn.analyze, turn._pair_metrics

    def counting_analyze(text: str, continued: bool = True) -> turn.MessageAnalysis:
        analysed.append(text)
        return real_analyze(text, continued)

    def counting_pair(a: turn.MessageAnalysis, b: turn.MessageAnalysis
                      ) -> tuple[turn._Shared, dict[str, float]]:
        pairs.append((a.text, b.text))
        return real_pair(a, b)

    monkeypatch.setattr(turn, "analyze", counting_analyze)
    monkeypatch.setattr(turn, "_pair_metrics", counting_pair)
    loop = [("Thank you so much!", "You're welcome, take care."),
            ("Take care!", "You too!"), ("Take care!", "You too!"), ("You too!", "Take care!")]
    scorer = turn.make_turn_scorer()
    for number, (a, b) in enumerate(loop, start=1):
        scorer(number, a, b)
    assert analysed == ["Thank you so much!", "You're welcome, take care.", "Take care!",
                        "You too!"]
    assert pairs == [loop[0], loop[1], loop[3]]
    # Past RECENT_MESSAGES distinct messages the oldest is forgotten and analysed again.
    for number in range(turn.RECENT_MESSAGES):
        scorer(5 + number, f"message {number}", f"reply {number}")
    analysed.clear()
    scorer(99, "Take care!", "You too!")
    assert analysed == ["Take care!", "You too!"]

"""Definitions fixed by metrics_version 3: sentiment negation scoped to its clause (golden
cases, the documented negator list) and arrows kept out of symbol_density."""

from __future__ import annotations

import pytest

from pidgin_tui.metrics.lexicons import LEXICONS
from pidgin_tui.metrics.text import NEGATORS, analyze


@pytest.mark.parametrize(("text", "sentiment"), [
    # The case the old rule got wrong: "without" is no negator, and a sentence end stops scope.
    ("Patterns can exist without rhythm. I'm curious about that.", 1.0),
    ("It is not rhythm. Curious, isn't it?", 1.0),
    ("This is not good.", -1.0),
    ("Not bad at all.", 1.0),
    ("I don't think it's bad, it's great.", 1.0),
    ("This is not bad but terrible.", 0.0),  # `but` ends the negation's clause
    ("No, that is a good idea.", 1.0),  # the comma ends it
    ("Never sad; always happy.", 1.0),
    ("I am hardly sad.", -1.0),  # "hardly" is a downtoner, not a negator
    ("Never, ever, sad.", -1.0),
    ("It isn't a wonderful day\nhappy anyway", 0.0),  # the line break ends it
])
def test_negation_is_scoped_to_its_clause(text: str, sentiment: float) -> None:
    assert analyze(text).metrics["sentiment"] == sentiment


def test_the_negators_are_the_documented_negation_lexicon() -> None:
    assert NEGATORS == LEXICONS["negation"]
    assert {"without", "hardly"}.isdisjoint(NEGATORS)
    assert {"not", "never", "don't", "can't", "nobody"} <= NEGATORS


def test_negation_reaches_three_words_back_within_a_clause() -> None:
    assert analyze("not a very good plan").metrics["sentiment"] == -1.0
    assert analyze("not in any way a good plan").metrics["sentiment"] == 1.0


@pytest.mark.parametrize(("text", "symbols", "arrows"), [
    ("a -> b", 0, 1), ("x => y <= z", 0, 2), ("a → b", 0, 1), ("a + b = c", 2, 0),
    ("<-> and ≤", 1, 1),
])
def test_arrows_are_not_counted_as_symbols(text: str, symbols: int, arrows: int) -> None:
    metrics = analyze(text).metrics
    assert round(metrics["symbol_density"] * len(text)) == symbols
    assert round(metrics["arrow_density"] * len(text)) == arrows

"""The fast tallies of metrics/tally.py give exactly what their plain definitions give: the
same counts in the same order (float sums over them depend on the order)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from pidgin_tui.metrics import tally
from pidgin_tui.metrics.lexical import entropy, entropy_of, syllables
from pidgin_tui.metrics.lexicons import STOPWORDS
from pidgin_tui.metrics.text import tokenize

_PIECES = st.sampled_from([
    "the", "river", "Light", "sort of", "I'm", "don't", "→", "🙂🙂", "—", "café", "λόγος",
    "言葉", "?", "!", "...", "\n\n", "\t", "\u00a0", "x = y", "42", "extraordinarily", "e",
    "THE", " ", "hmm", "shh", "'quoted'", "**bold**",
])
_TEXT = st.one_of(
    st.text(max_size=700),
    st.lists(_PIECES, max_size=150).map(" ".join),
    st.lists(_PIECES, max_size=150).map("".join),
    # Long texts with none of the peeled characters, or only them.
    st.text(alphabet="xyzXYZ.,!?🙂é\n", max_size=500),
    st.text(alphabet=" etaoinsrh", max_size=500),
)


@settings(max_examples=400, deadline=None)
@given(text=_TEXT)
def test_char_counts_are_counter_of_the_text_in_first_occurrence_order(text: str) -> None:
    counts = tally.char_counts(text, text.encode("utf-8"))
    assert list(counts.items()) == list(Counter(text).items())


def test_a_long_text_takes_the_peeled_path_and_agrees() -> None:
    text = "Zebras 🦓 — quietly graze; then a long silence… " * 10 + "Q!"
    assert len(text.encode("utf-8")) >= tally.PEEL_FROM
    assert list(tally.char_counts(text, text.encode("utf-8")).items()) == \
        list(Counter(text).items())


def _split_by_loop(counts: dict[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    content: dict[str, int] = {}
    function: dict[str, int] = {}
    for word, n in counts.items():
        (function if word in STOPWORDS else content)[word] = n
    return content, function


@settings(max_examples=300, deadline=None)
@given(text=_TEXT, cold=st.booleans())
def test_word_tally_matches_the_definitions_with_the_cache_warm_or_cold(text: str,
                                                                        cold: bool) -> None:
    if cold:
        tally._WORD_FACTS.clear()
    words = tokenize(text)
    counts = dict(Counter(words))
    content, function = _split_by_loop(counts)
    for _ in range(2):  # the second time from the cache
        got = tally.word_tally(counts)
        assert list(got.content.items()) == list(content.items())
        assert list(got.function.items()) == list(function.items())
        assert (got.letters, got.long_words, got.syllables) == (
            sum(map(len, words)), sum(len(w) >= tally.LONG_WORD for w in words),
            sum(map(syllables, words)))
        assert got.hapax == sum(n == 1 for n in counts.values())
        assert got.squares == sum(n * n for n in counts.values())
        # The same float sum, in the same order, as `entropy` adds.
        assert entropy_of(got.n_log_n, len(words)) == entropy(counts.values(), len(words))

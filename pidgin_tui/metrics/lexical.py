"""Lexical statistics over word lists: diversity, entropy, readability and lexicon matching.

Pure functions of their arguments; each returns 0.0 for empty input rather than raising.
"""

from __future__ import annotations

import collections
import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import compress, count
from operator import mul

from pidgin_tui.metrics.lexicons import LEXICONS

_count_elements = collections._count_elements  # type: ignore[attr-defined]
_new_counter = Counter.__new__


def counted(items: Iterable[str]) -> Counter[str]:
    """`Counter(items)` without Counter's Python-level argument handling, which costs more
    than counting a short message: the C counting loop fills an empty Counter directly."""
    counts: Counter[str] = _new_counter(Counter)
    _count_elements(counts, items)
    return counts


MTLD_THRESHOLD = 0.72
"""The standard MTLD factor threshold (McCarthy & Jarvis, 2010)."""


CLOGC = [0.0] + [c * math.log2(c) for c in range(1, 4096)]
"""c·log2(c) for small counts, so entropy sums run at C speed."""


def _clogc(c: int) -> float:
    return CLOGC[c] if c < 4096 else c * math.log2(c)


def entropy(counts: Iterable[int], total: int | None = None) -> float:
    """Shannon entropy in bits of a frequency distribution (non-negative counts); 0.0 if empty.

    Uses H = log2(N) - Σ c·log2(c) / N. `total` may pass N = Σ c when already known.
    """
    if total is None:
        counts = list(counts)
        total = sum(counts)
    if total <= 0:
        return 0.0
    # No count exceeds the total: a small total means every c·log2(c) is in the table.
    lookup = CLOGC.__getitem__ if total < len(CLOGC) else _clogc
    return entropy_of(sum(map(lookup, counts)), total)


def entropy_of(n_log_n: float, total: int) -> float:
    """`entropy` from Σ c·log2(c) over the counts and their total N = Σ c."""
    if total <= 0:
        return 0.0
    return max(0.0, math.log2(total) - n_log_n / total)


_FACTOR_LIMITS = [math.floor(MTLD_THRESHOLD * count) for count in range(2048)]
"""floor(THRESHOLD · count): for an integer t, `t <= THRESHOLD * count` exactly when
`t <= floor(THRESHOLD * count)`, and comparing two ints is cheaper than an int with a float."""


def _mtld_pass(words: Sequence[str]) -> float:
    factors = 0.0
    types: set[str] = set()
    add = types.add
    count = 0
    limits = _FACTOR_LIMITS
    if len(words) >= len(limits):
        limits = [math.floor(MTLD_THRESHOLD * c) for c in range(len(words) + 1)]
    for word in words:
        count += 1
        # A new word raises both the types and the count, which can never close a factor
        # (the type-token ratio rises): only a repeated word needs the check.
        if word not in types:
            add(word)
        elif len(types) <= limits[count]:
            factors += 1.0
            types.clear()
            count = 0
    if count:
        ttr = len(types) / count
        factors += (1.0 - ttr) / (1.0 - MTLD_THRESHOLD)
    return len(words) / factors if factors else float(len(words))


def mtld(words: Sequence[str]) -> float:
    """Measure of Textual Lexical Diversity: mean of the forward and backward passes.

    A text that never falls below the threshold scores its own length (the usual convention).
    """
    if not words:
        return 0.0
    return (_mtld_pass(words) + _mtld_pass(words[::-1])) / 2.0


def yules_k(counts: Counter[str], total: int) -> float:
    """Yule's K (x10^4): lower means more diverse; independent of text length for long texts."""
    values = counts.values()
    return yules_k_of(sum(map(mul, values, values)), total)


def yules_k_of(squares: int, total: int) -> float:
    """`yules_k` from Σ n² over the word counts n (Σ over the frequency spectrum of V(m)·m²)
    and their total."""
    if total == 0:
        return 0.0
    return 1e4 * (squares - total) / (total * total)


_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def syllables(word: str) -> int:
    """Heuristic English syllable count (vowel groups, silent final e); at least 1."""
    groups = len(_VOWEL_GROUPS.findall(word))
    if word.endswith("e") and not word.endswith(("le", "ee", "ye")) and groups > 1:
        groups -= 1
    return max(1, groups)


def flesch_reading_ease(words: int, sentences: int, syllable_total: int) -> float:
    """Flesch reading ease; higher is easier (typically 0-100, unbounded either way)."""
    if words == 0:
        return 0.0
    return 206.835 - 1.015 * (words / max(sentences, 1)) - 84.6 * (syllable_total / words)


def _tables() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[tuple[str, int], ...]]]:
    """Lexicons by single word, and by phrase as (lexicon, words of the phrase that lexicon
    also lists as singles) pairs: a phrase match takes those single counts back."""
    singles: dict[str, list[str]] = {}
    phrases: dict[str, list[str]] = {}
    for name, entries in LEXICONS.items():
        for entry in entries:
            (phrases if " " in entry else singles).setdefault(entry, []).append(name)
    single_names = {k: tuple(v) for k, v in singles.items()}
    return single_names, {
        phrase: tuple((name, sum(name in single_names.get(w, ()) for w in phrase.split(" ")))
                      for name in names)
        for phrase, names in phrases.items()}


_SINGLES, _PHRASES = _tables()


def _lengths_by_prefix() -> dict[str, tuple[int, ...]]:
    lengths: dict[str, set[int]] = {}
    for phrase in _PHRASES:
        words = phrase.split(" ")
        lengths.setdefault(" ".join(words[:2]), set()).add(len(words))
    return {prefix: tuple(sorted(n, reverse=True)) for prefix, n in lengths.items()}


_PHRASE_PREFIXES = _lengths_by_prefix()
"""The lengths in words of the phrases that begin with each two words, longest first (the
longest entry starting at a word wins): only where such two words occur can a phrase match."""


def lexicon_counts(words: Sequence[str], word_counts: Mapping[str, int] | None = None,
                   bigrams: Sequence[str] | None = None, trigrams: Sequence[str] | None = None
                   ) -> dict[str, int]:
    """Occurrences per lexicon; the longest entry starting at a word wins, phrases count once.

    "sort of" counts one hedge, and the words inside a matched phrase are not counted again for
    that lexicon. Phrases of any length match ("talk to you soon"). `word_counts` (the word
    frequencies) and `bigrams`/`trigrams` (the space-joined n-grams in text order) may be
    passed when already known.
    """
    counts = dict.fromkeys(LEXICONS, 0)
    if word_counts is None:
        word_counts = counted(words)
    singles, phrases = _SINGLES, _PHRASES
    for word in word_counts.keys() & singles.keys():
        n = word_counts[word]
        for name in singles[word]:
            counts[name] += n
    if bigrams is None:
        bigrams = list(map(" ".join, zip(words, words[1:], strict=False)))
    if _PHRASE_PREFIXES.keys().isdisjoint(bigrams):  # the common case: no phrase can start
        return counts
    if trigrams is None:
        trigrams = list(map(" ".join, zip(words, words[1:], words[2:], strict=False)))
    covered = dict.fromkeys(LEXICONS, 0)
    n_words = len(words)
    # Indexes of the bigrams that begin some phrase, found at C speed.
    for i in compress(count(), map(_PHRASE_PREFIXES.__contains__, bigrams)):
        for length in _PHRASE_PREFIXES[bigrams[i]]:
            if i + length > n_words:
                continue
            gram = bigrams[i] if length == 2 else trigrams[i] if length == 3 \
                else " ".join(words[i:i + length])
            for name, counted_as_singles in phrases.get(gram, ()):
                if covered[name] > i:
                    continue
                # Words inside the phrase were counted as singles above: take them back.
                counts[name] += 1 - counted_as_singles
                covered[name] = i + length
    return counts

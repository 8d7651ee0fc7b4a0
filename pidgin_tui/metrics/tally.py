"""Exact tallies of one message that `text.analyze` needs, each computed with as few passes
over the characters or words as the C primitives allow.

Every function returns exactly what the plain definition gives (the same counts, in the same
order, so float sums over them add the same values in the same order): tests hold each one
against that definition.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import NamedTuple

from pidgin_tui.metrics.lexical import CLOGC, counted, syllables
from pidgin_tui.metrics.lexicons import STOPWORDS

_PEELED = " etaoinsrh"
"""The most frequent characters of English prose (about 60% of it): counted by `bytes.count`
over the UTF-8 text, a C loop of a few instructions per byte, instead of one dictionary
update per occurrence."""
_PEELED_BYTES = _PEELED.encode("ascii")
_PEELED_CODES = tuple((ch, ord(ch)) for ch in _PEELED)
PEEL_FROM = 300
"""Bytes from which peeling pays for its fixed cost (ten counts and a translation): measured
break-even near 280 bytes of English."""


def char_counts(text: str, raw: bytes) -> dict[str, int]:
    """`Counter(text)` as a dict: each character's count, in order of first occurrence.

    `raw` is `text` in UTF-8. In a long text the frequent ASCII characters (`_PEELED`) are
    counted on the bytes and the others one by one; ASCII bytes never occur inside a
    multi-byte character, so both counts are exact."""
    if len(raw) < PEEL_FROM:
        return counted(text)
    rest = counted(raw.translate(None, _PEELED_BYTES).decode("utf-8"))
    peeled: dict[str, int] = {}
    for ch, code in _PEELED_CODES:
        n = raw.count(code)
        if n:
            peeled[ch] = n
    if not peeled:
        return rest
    # The order of first occurrence: every character up to the last peeled one's first
    # occurrence, then the others as `rest` met them (after that point only they are new).
    out = dict.fromkeys(text[:max(map(text.find, peeled)) + 1], 0)
    out.update(rest)
    out.update(peeled)
    return out


LONG_WORD = 7
"""Letters from which a word counts as long."""
_FIELD = 48
_MASK = (1 << _FIELD) - 1
_WORD_FACTS: dict[str, int] = {}
"""Per word, its letters, whether it is long and its syllables packed into one int (fields
of `_FIELD` bits), so one multiply-add per distinct word adds all three up."""


def _facts(word: str) -> int:
    if len(_WORD_FACTS) >= 100_000:
        _WORD_FACTS.clear()
    facts = _WORD_FACTS[word] = (len(word) | (len(word) >= LONG_WORD) << _FIELD
                                 | syllables(word) << 2 * _FIELD)
    return facts


class WordTally(NamedTuple):
    """What `word_tally` counts over a message's word frequencies."""

    content: dict[str, int]
    """Counts of the words that are not stopwords, in text order."""
    function: dict[str, int]
    """Counts of the stopwords (function words), in text order."""
    letters: int
    long_words: int
    """Occurrences of words of at least `LONG_WORD` letters."""
    syllables: int
    hapax: int
    """Words that occur once."""
    squares: int
    """Σ n² over the word counts n (Yule's K)."""
    n_log_n: float
    """Σ n·log2(n) over the word counts, added in text order (the word entropy)."""


def word_tally(counts: Mapping[str, int]) -> WordTally:
    """One pass over a message's distinct words (`counts`, in text order) for everything
    that is summed over them. The letters, long words and syllables are sums of counts ×
    packed per-word facts; each is at most the text's length, so below 2**48 characters the
    fields never carry into each other."""
    content: dict[str, int] = {}
    function: dict[str, int] = {}
    cache, table, size = _WORD_FACTS, CLOGC, len(CLOGC)
    facts = hapax = squares = 0
    n_log_n = 0.0
    for word, n in counts.items():
        if word in STOPWORDS:
            function[word] = n
        else:
            content[word] = n
        try:
            facts += cache[word] * n
        except KeyError:
            facts += _facts(word) * n
        if n == 1:
            hapax += 1
        squares += n * n
        n_log_n += table[n] if n < size else n * math.log2(n)
    return WordTally(content, function, facts & _MASK, facts >> _FIELD & _MASK,
                     facts >> 2 * _FIELD, hapax, squares, n_log_n)

"""Exact tallies of one message that `text.analyze` needs, each computed with as few passes
over the characters or words as the C primitives allow.

Every function returns exactly what the plain definition gives (the same counts, in the same
order, so float sums over them add the same values in the same order): tests hold each one
against that definition.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pidgin_tui.metrics.lexical import counted, syllables
from pidgin_tui.metrics.lexicons import STOPWORDS

_PEELED = " etaoinsrh"
"""The most frequent characters of English prose (about 60% of it): counted by `bytes.count`
over the UTF-8 text, a C loop of a few instructions per byte, instead of one dictionary
update per occurrence."""
_PEELED_BYTES = _PEELED.encode("ascii")
_PEELED_CODES = tuple((ch, ord(ch)) for ch in _PEELED)
PEEL_FROM = 200
"""Bytes from which peeling pays for its fixed cost (ten counts and a translation)."""


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


def split_stopwords(counts: Mapping[str, int]) -> tuple[dict[str, int], dict[str, int]]:
    """(content, function) word counts, each in text order (which float sums over them
    follow): the stopwords are the function words."""
    content: dict[str, int] = {}
    function: dict[str, int] = {}
    for word, n in counts.items():
        if word in STOPWORDS:
            function[word] = n
        else:
            content[word] = n
    return content, function


LONG_WORD = 7
"""Letters from which a word counts as long."""
_FIELD = 48
_MASK = (1 << _FIELD) - 1
_WORD_FACTS: dict[str, int] = {}
"""Per word, its letters, whether it is long and its syllables packed into one int (fields
of `_FIELD` bits), so one C-level sum over a message's words adds all three up."""


def _facts(word: str) -> int:
    return len(word) | (len(word) >= LONG_WORD) << _FIELD | syllables(word) << 2 * _FIELD


def word_facts(words: Sequence[str], counts: Mapping[str, int]) -> tuple[int, int, int]:
    """(letters, long words, syllables) summed over `words` (`counts` has their
    frequencies). Each sum is at most the text's length, so while that is below 2**48 the
    packed fields cannot carry into each other."""
    cache = _WORD_FACTS
    try:
        total = sum(map(cache.__getitem__, words))
    except KeyError:  # some words are new: add them
        if len(cache) + len(counts) > 100_000:
            cache.clear()
        for word in counts.keys() - cache.keys():
            cache[word] = _facts(word)
        total = sum(map(cache.__getitem__, words))
    return total & _MASK, total >> _FIELD & _MASK, total >> 2 * _FIELD

"""Similarity between texts: set overlap, n-gram reuse, cosine, compression distance, TF-IDF.

Conventions shared by every function here: two empty inputs are identical (1.0), and one empty
input against a non-empty one shares nothing (0.0). All values lie in [0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping
from collections.abc import Set as AbstractSet
from itertools import chain, filterfalse
from operator import mul
from typing import TypeVar

from pidgin_tui.metrics.lexical import counted

T = TypeVar("T")


_KEYS_VIEW: type = type({}.keys())


def _as_set(items: Collection[T]) -> AbstractSet[T]:
    # Concrete-type checks first: isinstance against the ABCs costs a microsecond each.
    if isinstance(items, set | frozenset) or type(items) is _KEYS_VIEW:
        return items  # type: ignore[return-value]
    if isinstance(items, dict):
        return items.keys()
    if isinstance(items, AbstractSet):
        return items
    if isinstance(items, Mapping):
        return items.keys()
    return set(items)


def jaccard(a: Collection[T], b: Collection[T]) -> float:
    """|A ∩ B| / |A ∪ B| of two sets (a mapping stands for its key set)."""
    if not a and not b:
        return 1.0
    sa, sb = _as_set(a), _as_set(b)
    return jaccard_of_sizes(len(sa & sb), len(sa), len(sb))


def jaccard_of_sizes(shared: int, size_a: int, size_b: int) -> float:
    """`jaccard` of two sets known by their sizes and the size of their intersection."""
    union = size_a + size_b - shared
    return shared / union if union else 1.0


def reuse(source: Collection[T], target: Collection[T]) -> float:
    """Share of `target`'s distinct items that also occur in `source` (0.0 if target empty)."""
    if not target:
        return 0.0
    st = _as_set(target)
    return reuse_of_sizes(len(st & _as_set(source)), len(st))


def reuse_of_sizes(shared: int, size_target: int) -> float:
    """`reuse` known by the size of the target and of its intersection with the source."""
    return shared / size_target if size_target else 0.0


def reuse_and_add(seen: set[T], target: Collection[T]) -> float:
    """`reuse(seen, target)`, then `target`'s items are added to `seen`: the shared items are
    those that did not grow it. `target` holds distinct items (a set or a mapping's keys)."""
    size_before = len(seen)
    seen.update(target)
    return reuse_of_sizes(len(target) - (len(seen) - size_before), len(target))


def norm(vector: Mapping[T, float]) -> float:
    """Euclidean norm of a sparse vector."""
    values = vector.values()
    return math.sqrt(sum(map(mul, values, values)))


def cosine(a: Mapping[T, float], b: Mapping[T, float], norm_a: float | None = None,
           norm_b: float | None = None) -> float:
    """Cosine similarity of two sparse non-negative vectors (their norms may be passed)."""
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    shared = list(filter(large.__contains__, small))  # in `small`'s order, as the sum runs
    dot = sum(map(mul, map(small.__getitem__, shared), map(large.__getitem__, shared)))
    norms = (norm(a) if norm_a is None else norm_a) * (norm(b) if norm_b is None else norm_b)
    return min(1.0, dot / norms) if norms else (1.0 if a == b else 0.0)


def ratio_similarity(x: float, y: float) -> float:
    """min/max of two non-negative numbers; 1.0 when both are zero."""
    if x == y:
        return 1.0
    return min(x, y) / max(x, y)


def profile_similarity(a: Mapping[str, float], b: Mapping[str, float]) -> float:
    """Mean add-one-smoothed ratio (min + 1) / (max + 1) over the features present in either
    profile; 1.0 if neither has any. Smoothing keeps one question mark against none at 0.5
    instead of 0, so a single punctuation mark cannot swing the value from 1 to 0."""
    total = 0.0
    present = 0
    # In a's order, then b's other features: a set's order changes with the string hash seed,
    # and the float sum would then differ in its last bits from one process to the next.
    for k in chain(a, filterfalse(a.__contains__, b)):
        x, y = a.get(k, 0), b.get(k, 0)
        if x or y:
            present += 1
            total += (min(x, y) + 1) / (max(x, y) + 1)
    return total / present if present else 1.0


def ncd_similarity(a: bytes, b: bytes, size_a: int, size_b: int,
                   joined_size: Callable[[], int]) -> float:
    """1 - normalized compression distance, clamped to [0, 1].

    `size_a`/`size_b` are the compressed sizes of `a` and `b` (already known to the caller);
    `joined_size()` gives the compressed size of `a + b"\n" + b` (called only when needed).
    """
    if a == b:
        return 1.0
    if not size_a or not size_b:
        return 0.0
    cab = joined_size()
    distance = (cab - min(size_a, size_b)) / max(size_a, size_b)
    return max(0.0, min(1.0, 1.0 - distance))


_LOG1P: list[float] = [math.log1p(n) for n in range(1024)]
"""log1p(n) by integer n: the TF-IDF norm sums need it of every term's document frequency."""


def _log1p_table(up_to: int) -> list[float]:
    """`_LOG1P`, extended to hold log1p(up_to)."""
    if up_to >= len(_LOG1P):
        _LOG1P.extend(map(math.log1p, range(len(_LOG1P), up_to + 1)))
    return _LOG1P


class _IdfByDf(dict[int, float]):
    """Smoothed IDF by document frequency for `n_1` = 1 + N documents, computed on first use."""

    __slots__ = ("n_1",)

    def __init__(self, n_1: int) -> None:
        super().__init__()
        self.n_1 = n_1

    def __missing__(self, term_df: int) -> float:
        value = self[term_df] = math.log(self.n_1 / (1 + term_df)) + 1.0
        return value


class TfIdfHistory:
    """Document frequencies over a conversation's messages plus a running "so far" vector.

    IDF is smoothed, `ln((1 + N) / (1 + df)) + 1`. The squared norm of the weighted history
    vector is kept as three running sums so it costs O(terms of the new message) per update
    rather than O(vocabulary): with c = ln(1+N)+1 and l = ln(1+df),
    Σ (h·(c-l))² = c²·Σh² - 2c·Σh²l + Σh²l².
    """

    def __init__(self) -> None:
        self.df: dict[str, int] = {}
        self.n_docs = 0
        self.history: dict[str, int] = {}
        self._s0 = self._s1 = self._s2 = 0.0
        self._idf: dict[str, float] = {}
        self._idf_by_df = _IdfByDf(1)

    def add_documents(self, documents: Iterable[Iterable[str]]) -> None:
        """Count new messages (as term collections) in the document frequencies."""
        df, history = self.df, self.history
        # A mapping's or a set's items are distinct already; anything else is made a set.
        docs = [doc if isinstance(doc, dict | set | frozenset) else set(doc)
                for doc in documents]
        n_new = len(docs)
        added = counted(chain.from_iterable(docs))  # in how many new documents each term is
        # Every IDF changes with N; those of the new messages' terms are computed here, where
        # their df is at hand, for `weigh` (the others on demand); many terms share a df.
        idf, n_1 = self._idf, 1 + self.n_docs + n_new
        idf.clear()
        by_df = self._idf_by_df = _IdfByDf(n_1)
        ln_df = _log1p_table(n_1)
        s1 = s2 = 0.0
        for term, extra in added.items():
            old_df = df.get(term, 0)
            term_df = df[term] = old_df + extra
            idf[term] = by_df[term_df]
            h = history.get(term)
            if h:  # the term's IDF changed: move its share of the history norm
                l_old, l_new = ln_df[old_df], ln_df[term_df]
                h2 = float(h * h)
                s1 += h2 * (l_new - l_old)
                s2 += h2 * (l_new * l_new - l_old * l_old)
        self._s1 += s1
        self._s2 += s2
        self.n_docs += n_new

    def idf(self, term: str) -> float:
        value = self._idf.get(term)
        if value is None:
            value = self._idf[term] = self._idf_by_df[self.df.get(term, 0)]
        return value

    def weigh(self, counts: Mapping[str, int]) -> dict[str, float]:
        """The TF-IDF vector of a message's term counts."""
        idf = self._idf
        try:  # the terms of the documents just added have their IDF already
            return {term: c * idf[term] for term, c in counts.items()}
        except KeyError:
            return {term: c * self.idf(term) for term, c in counts.items()}

    def history_similarity(self, counts: Mapping[str, int],
                           weighted: Mapping[str, float] | None = None,
                           weighted_norm: float | None = None, *,
                           then_add: bool = False) -> float:
        """TF-IDF cosine between a message and everything added to the history so far.

        `weighted` may pass `weigh(counts)`, and `weighted_norm` its norm, when the caller
        already has them. With `then_add` the message is then folded into the history, as
        `add_history` does, in the same pass over its terms.
        """
        if not counts or not self.history:
            if then_add:
                self.add_history(counts)
            return 0.0
        if weighted is None:
            weighted = self.weigh(counts)
        c = math.log1p(self.n_docs) + 1.0
        norm_h2 = c * c * self._s0 - 2.0 * c * self._s1 + self._s2
        dot = self._visit(counts, weighted, then_add)
        norm_m = norm(weighted) if weighted_norm is None else weighted_norm
        if norm_h2 <= 0.0 or norm_m == 0.0:
            return 0.0
        return max(0.0, min(1.0, dot / (norm_m * math.sqrt(norm_h2))))

    def add_history(self, counts: Mapping[str, int]) -> None:
        """Fold a message into the "conversation so far" vector."""
        self._visit(counts, None, True)

    def _visit(self, counts: Mapping[str, int], weighted: Mapping[str, float] | None,
               add: bool) -> float:
        """One pass over a message's terms: the dot product of `weighted` (the message's
        TF-IDF vector, in the order of `counts`) with the history vector so far, and with
        `add` the message's counts folded into the history.

        The history's squared norm is kept as three running sums (see the class): per term
        d = new² − old² of its history count and l = ln(1 + df), s0 += d, s1 += d·l,
        s2 += d·l², each summed over the message's terms in order, then added to the total."""
        history, idf = self.history, self._idf
        dot = 0.0
        if not add:
            assert weighted is not None
            for term in counts:
                old = history.get(term)
                if old:
                    dot += weighted[term] * old * idf[term]
            return dot
        df, ln_dfs = self.df, _log1p_table(self.n_docs)
        s0 = s1 = s2 = 0.0
        for term, n in counts.items():
            old = history.get(term, 0)
            if old and weighted is not None:
                dot += weighted[term] * old * idf[term]
            new = history[term] = old + n
            d2 = new * new - old * old  # an int: adding or multiplying it by a float
            # converts it exactly as float() would
            ln_df = ln_dfs[df.get(term, 0)]
            d2_ln = d2 * ln_df
            s0 += d2
            s1 += d2_ln
            s2 += d2_ln * ln_df
        self._s0 += s0
        self._s1 += s1
        self._s2 += s2
        return dot

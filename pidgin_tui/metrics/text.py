"""Single-message analysis: tokens, n-grams and every metric that depends on one text alone.

`analyze(text)` returns a `MessageAnalysis` holding the intermediate structures (word list,
counts, n-gram sets) that the cross-agent metrics reuse, and `metrics`, the per-message values
keyed by their unprefixed name (`words`, `ttr`, ...). Everything is computed in one pass per
structure so a turn of two ~150-word messages stays well under a millisecond.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from itertools import compress, count, filterfalse
from operator import countOf

from pidgin_tui.metrics import tally
from pidgin_tui.metrics.lexical import (
    counted,
    entropy,
    entropy_of,
    flesch_reading_ease,
    lexicon_counts,
    mtld,
    yules_k_of,
)
from pidgin_tui.metrics.lexicons import LEXICONS, NEGATIVE, POSITIVE

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_WORD_BYTES = bytes(ord(chr(b).lower()) if chr(b) in string.ascii_letters + string.digits + "'"
                    else 0x20 for b in range(256))
"""Translation table lower-casing ASCII letters, keeping digits and apostrophes (the bytes of
ASCII words) and turning every other byte into a space."""
_STRAY_APOSTROPHE = re.compile(r"'(?:(?<![a-z0-9]')|(?![a-z0-9]))")
"""An apostrophe that is not between two word characters, so it separates words."""
_SENTENCE_SPLIT = re.compile(r"[.!?…\n](?:(?<=\n)\n*|[.!?…]*(?=\s|$))")
"""`[.!?…]+(?=\\s|$)|\n+`, written to start with one character class, which the regex engine
scans for several times faster than an alternation."""
_PARAGRAPH_SPLIT = re.compile(r"\n[ \t]*\n")

STRUCTURE_PATTERNS: dict[str, re.Pattern[str]] = {
    "questions": re.compile(r"\?+"),
    "exclamations": re.compile(r"!+"),
    "list_items": re.compile(r"^[ \t]*(?:[-*+•]|\d{1,3}[.)])[ \t]+\S", re.M),
    "code_blocks": re.compile(r"^[ \t]*(?:```|~~~)", re.M),
    "inline_code": re.compile(r"`(?<!``)[^`\n]+`(?!`)"),
    "headings": re.compile(r"^[ \t]{0,3}#{1,6}[ \t]+\S", re.M),
    "emphasis": re.compile(
        r"(?=[*_])(?:\*\*[^*\n]+\*\*|__[^_\n]+__|(?<![*\w])\*[^*\s][^*\n]*\*(?![*\w]))"),
    "links": re.compile(r"https?://\S+|\[[^\]\n]+\]\([^)\n]+\)"),
    "blockquotes": re.compile(r"^[ \t]*>", re.M),
    "ellipses": re.compile(r"\.{3,}|…"),
    "dashes": re.compile(r"[—–]| --? "),
    "parentheticals": re.compile(r"\([^()\n]*\)"),
}
"""Markdown and punctuation structure, counted per message. Patterns open with a literal or a
lookahead where possible (`inline_code`, `emphasis`): the regex engine then skips ahead fast."""

_REQUIRED_CHARACTERS: dict[str, str] = {
    "questions": "?", "exclamations": "!", "code_blocks": "`~", "inline_code": "`",
    "headings": "#", "emphasis": "*_", "links": ":]", "blockquotes": ">", "ellipses": ".…",
    "dashes": "—–-", "parentheticals": "(",
}
"""Every match of the pattern contains one of these characters: without any of them in the
message (a look-up in its character counts) the count is 0 without a scan. (`list_items` has
no such set: its digits are any Unicode digit.)"""

_SINGLE_CHARACTERS: dict[str, tuple[str, str]] = {
    "questions": ("??", "?"), "exclamations": ("!!", "!"), "ellipses": ("...", "…"),
    "dashes": (" -", "—–"),
}
"""Patterns that, unless their guard substring occurs, match exactly these characters one at a
time: then the character counts give the count without the regex."""

_LINE_STARTS: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {
    name: (re.compile(pattern.pattern[1:]), re.compile("\n" + pattern.pattern[1:]))
    for name, pattern in STRUCTURE_PATTERNS.items() if pattern.pattern.startswith("^")
}
"""The `^`-anchored patterns as (match at the start, match after a newline): searching for a
literal newline is much faster than trying `^` at every position. None of them can match a
newline, so the two forms count exactly the same lines."""


_STRATEGIES = tuple((name, _REQUIRED_CHARACTERS.get(name), _SINGLE_CHARACTERS.get(name),
                     _LINE_STARTS.get(name), pattern)
                    for name, pattern in STRUCTURE_PATTERNS.items())
"""Each pattern with the cheaper exact means of counting it, looked up once."""


def _structure(text: str, char_counts: Mapping[str, int]) -> dict[str, int]:
    """Matches of each of STRUCTURE_PATTERNS in `text`, each by the cheapest exact means
    (`code_blocks` counts fences in pairs)."""
    out: dict[str, int] = {}
    has, get = char_counts.__contains__, char_counts.get
    for name, required, single, line_start, pattern in _STRATEGIES:
        if required is not None and not any(map(has, required)):
            out[name] = 0
        elif single is not None and single[0] not in text:
            out[name] = sum(get(ch, 0) for ch in single[1])
        elif line_start is not None:
            at_start, after_newline = line_start
            out[name] = (at_start.match(text) is not None) + len(after_newline.findall(text))
        else:
            out[name] = len(pattern.findall(text))
    out["code_blocks"] = (out["code_blocks"] + 1) // 2
    return out


def compressed_size(data: bytes) -> int:
    """Raw-deflate size of `data`; a small fixed window keeps the per-call setup cheap."""
    return _deflate(data, keep=False)[0]


_CONTINUE_FROM = 256
"""Bytes from which a message's compressor is kept for `joined_compressed_size`: deflate
holds back about 260 bytes until the final flush, so below a few hundred bytes continuing
saves nothing and the copy costs more than compressing again."""


def _deflate(data: bytes, keep: bool = True) -> tuple[int, int, zlib._Compress | None]:
    """(`compressed_size(data)`, bytes deflate emitted before the final flush, a copy of the
    compressor at that point when `data` is long and `keep`): feeding that copy more input
    continues the same stream (a copy costs about half of compressing a short message)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, -12, 4)
    head = len(compressor.compress(data))
    state = compressor.copy() if keep and len(data) >= _CONTINUE_FROM else None
    return head + len(compressor.flush()), head, state


def joined_compressed_size(first: MessageAnalysis, second: MessageAnalysis) -> int:
    """`compressed_size` of the two texts joined by a line break; a long first text's
    compressor is continued rather than its text compressed again (deflate without flushes
    emits the same bytes however its input is split)."""
    joined = b"\n" + second.raw
    if first.deflate is None:
        return compressed_size(first.raw + joined)
    compressor = first.deflate.copy()
    tail = compressor.compress(joined)
    return first.deflate_head + len(tail) + len(compressor.flush())


_ASCII_ARROW = re.compile(r"<-+>|-+>|<-+|=+>|<=+(?!=)")
_ARROW_RANGES = ((0x2190, 0x21FF), (0x27F0, 0x27FF), (0x2900, 0x297F), (0x2B00, 0x2B11))
_EMOJI_RANGES = ((0x1F000, 0x1FAFF), (0x2600, 0x27BF), (0x2B50, 0x2B55), (0x1FC00, 0x1FFFD))
NEGATORS: frozenset[str] = LEXICONS["negation"]
"""Words that flip the sentiment of a lexicon word up to `NEGATION_WINDOW` words after them,
within the same clause: the `negation` lexicon (not, no, never, none, nothing, nobody, nowhere,
neither, nor, cannot and the n't contractions)."""
NEGATION_WINDOW = 3
_CLAUSE_SPLIT = re.compile(r"[.!?;:,…—–()\n]+|\bbut\b|\s-\s", re.IGNORECASE)
"""Where a negation's scope ends: sentence and clause punctuation, dashes, and `but`."""
_SENTIMENT_WORDS = POSITIVE | NEGATIVE
_SEPARATORS: dict[str, bool] = {}
"""`_separates_words` by character (a character's case mapping never changes)."""
_RATE_KEYS = tuple(f"{name}_rate" for name in LEXICONS)
"""The per-word rate of each lexicon, in `lexicon_counts` order (that of LEXICONS)."""
_NO_RATES = (0.0,) * len(LEXICONS)


def _count_arrow_symbols(arrow: str) -> int:
    return arrow.count("<") + arrow.count(">") + arrow.count("=")


def _in_ranges(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


def _separates_words(ch: str) -> bool:
    """Whether `ch`, lower-cased, has no letter, digit or ASCII character: in the lower-cased
    text it can only separate words, like an ASCII space."""
    known = _SEPARATORS.get(ch)
    if known is None:
        known = not any(c.isalnum() or c.isascii() for c in ch.lower())
        if len(_SEPARATORS) < 50_000:
            _SEPARATORS[ch] = known
    return known


def tokenize(text: str, chars: Iterable[str] | None = None) -> list[str]:
    """Lower-cased words; apostrophes inside words are kept (`don't`, `i'm`).

    A word is a run of letters and digits, possibly joined by single apostrophes (`_WORD`).
    `chars` may pass the distinct characters of `text` when already known.
    """
    if not text.isascii():
        text = text.replace("\u2019", "'")
        if chars is None:
            chars = set(_NON_ASCII.findall(text))
        if not all(map(_separates_words, filterfalse(str.isascii, chars))):
            return _WORD.findall(text.lower())
    # Every letter and digit is ASCII: bytes methods lower-case the text, turn everything else
    # into spaces and split it, much faster than the regex.
    spaced = text.encode("ascii", "replace").translate(_WORD_BYTES).decode("ascii")
    if "'" in spaced:
        spaced = _STRAY_APOSTROPHE.sub(" ", spaced)
    return spaced.split()


@dataclass(slots=True)
class MessageAnalysis:
    """One message, analysed once; the cross-agent metrics reuse these structures."""

    text: str
    words: list[str]
    word_counts: Counter[str]
    content_counts: dict[str, int]
    function_counts: dict[str, int]
    """Counts of the stopwords (function words); `content_counts` has all other words."""
    bigrams: Counter[str]
    trigrams: Counter[str]
    char_counts: dict[str, int]
    lexicon: dict[str, int]
    structure: dict[str, int]
    polarity: float
    compressed: int
    """Deflate size of the UTF-8 text (see `compressed_size`)."""
    raw: bytes
    """The UTF-8 text."""
    deflate_head: int
    deflate: zlib._Compress | None
    """The text's compressor before its final flush, and what it emitted until then (see
    `joined_compressed_size`)."""
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def content(self) -> set[str]:
        return set(self.content_counts)


def _sentence_lengths(text: str) -> list[int]:
    """Whitespace-separated tokens per sentence (a sentence is any non-blank segment)."""
    return list(filter(None, map(len, map(str.split, _SENTENCE_SPLIT.split(text)))))


_CHAR_CLASSES: dict[str, tuple[str, ...]] = {}
"""The classes each character seen so far counts towards (a character's class never changes)."""


def _classify(ch: str) -> tuple[str, ...]:
    code = ord(ch)
    classes: tuple[str, ...] = ("non_ascii",) if code > 127 else ()
    if ch.isalpha():
        classes += ("letters", "upper") if ch.isupper() else ("letters",)
    elif ch.isdigit():
        classes += ("digits",)
    elif ch.isspace():
        classes += ("space",)
    elif _in_ranges(code, _EMOJI_RANGES):
        classes += ("emoji",)
    elif _in_ranges(code, _ARROW_RANGES):
        classes += ("arrow",)
    else:
        category = unicodedata.category(ch)[0]
        if category == "P":
            classes += ("punct",)
        elif category == "S":
            classes += ("symbol",)
    if len(_CHAR_CLASSES) < 50_000:
        _CHAR_CLASSES[ch] = classes
    return classes


def _char_classes(char_counts: Mapping[str, int]) -> dict[str, int]:
    """Counts of character classes, computed over distinct characters for speed."""
    out = dict.fromkeys(("upper", "letters", "digits", "space", "punct", "symbol", "emoji",
                         "arrow", "non_ascii"), 0)
    known = _CHAR_CLASSES
    for ch, n in char_counts.items():
        classes = known.get(ch)
        if classes is None:
            classes = _classify(ch)
        for name in classes:
            out[name] += n
    return out


def _sentiment(text: str, words: list[str], counts: Mapping[str, int]) -> tuple[int, int]:
    """Positive and negative word counts; a negator up to `NEGATION_WINDOW` words before a
    lexicon word in the same clause flips it."""
    if NEGATORS.isdisjoint(counts):  # the common case: no negation anywhere
        return _clause_sentiment(words, negations=False)[:2]
    positive, negative, negated = _clause_sentiment(words, negations=True)
    if not negated:  # no negator near a lexicon word, whatever the clauses
        return positive, negative
    positive = negative = 0
    for clause in _CLAUSE_SPLIT.split(text):
        p, n, _ = _clause_sentiment(tokenize(clause), negations=True)
        positive += p
        negative += n
    return positive, negative


def _clause_sentiment(words: list[str], negations: bool) -> tuple[int, int, int]:
    """(positive, negative, negated) counts of the lexicon words in `words`."""
    positive = negative = negated_words = 0
    # Indexes of the sentiment words, found at C speed.
    for i in compress(count(), map(_SENTIMENT_WORDS.__contains__, words)):
        negated = negations and not NEGATORS.isdisjoint(words[max(0, i - NEGATION_WINDOW):i])
        negated_words += negated
        if (words[i] in POSITIVE) != negated:
            positive += 1
        else:
            negative += 1
    return positive, negative, negated_words


def analyze(text: str, continued: bool = True) -> MessageAnalysis:
    """Every single-message metric of `text`, plus the structures cross metrics need.

    Without `continued` its compressor is not kept (`MessageAnalysis.deflate` is None): the
    text never comes first in a `joined_compressed_size`, which then compresses it again."""
    raw = text.encode("utf-8")
    char_counts = tally.char_counts(text, raw)
    words = tokenize(text, char_counts)
    n_words = len(words)
    counts = counted(words)
    words_tally = tally.word_tally(counts)
    content, function = words_tally.content, words_tally.function
    # n-grams as space-joined strings: string hashes are cached, tuple hashes are recomputed
    # on every set operation, and the cross metrics do many.
    join = " ".join
    bigram_list = list(map(join, zip(words, words[1:], strict=False)))
    trigram_list = list(map(join, zip(words, words[1:], words[2:], strict=False)))
    bigrams, trigrams = counted(bigram_list), counted(trigram_list)
    structure = _structure(text, char_counts)
    chars = _char_classes(char_counts)
    arrows, symbols = chars["arrow"], chars["symbol"]
    if ("<" in char_counts or ">" in char_counts) and (
            "->" in text or "<-" in text or "=>" in text or "<=" in text):
        ascii_arrows = _ASCII_ARROW.findall(text)
        arrows += len(ascii_arrows)
        # `<`, `>` and `=` are math symbols (Sm): inside an ASCII arrow they are the arrow,
        # so symbol_density does not count them again.
        symbols -= sum(map(_count_arrow_symbols, ascii_arrows))
    structure["emoji"], structure["arrows"] = chars["emoji"], arrows
    lexicon = lexicon_counts(words, counts, bigram_list, trigram_list)
    positive, negative = _sentiment(text, words, counts)
    polarity = (positive - negative) / (positive + negative) if positive + negative else 0.0
    sentence_lengths = _sentence_lengths(text)
    n_sentences = len(sentence_lengths)
    paragraphs = sum(1 for p in _PARAGRAPH_SPLIT.split(text) if p.strip())
    n_chars = len(text)
    unique = len(counts)
    letters_total, long_words = words_tally.letters, words_tally.long_words
    syllable_total, hapax = words_tally.syllables, words_tally.hapax
    compressed, deflate_head, deflate = _deflate(raw, continued)
    if not raw:
        compressed = 0

    def per_word(value: float) -> float:
        return value / n_words if n_words else 0.0

    def per_char(value: float) -> float:
        return value / n_chars if n_chars else 0.0

    mean_sentence = n_words / n_sentences if n_sentences else 0.0
    sentence_sd = math.sqrt(sum((s - mean_sentence) ** 2 for s in sentence_lengths)
                            / n_sentences) if n_sentences else 0.0
    n_bigrams, n_trigrams = max(n_words - 1, 0), max(n_words - 2, 0)
    metrics: dict[str, float] = {
        "chars": float(n_chars),
        "words": float(n_words),
        "unique_words": float(unique),
        "sentences": float(n_sentences),
        "paragraphs": float(paragraphs),
        "mean_word_length": per_word(letters_total),
        "mean_sentence_length": mean_sentence,
        "sentence_length_sd": sentence_sd,
        "ttr": per_word(unique),
        "hapax_ratio": hapax / unique if unique else 0.0,
        "mtld": mtld(words),
        "yules_k": yules_k_of(words_tally.squares, n_words),
        "long_word_ratio": per_word(long_words),
        "stopword_ratio": per_word(n_words - sum(content.values())),
        "word_entropy": entropy_of(words_tally.n_log_n, n_words),
        "char_entropy": entropy(char_counts.values(), n_chars),
        "bigram_entropy": entropy(bigrams.values(), n_bigrams),
        "compression_ratio": compressed / len(raw) if raw else 0.0,
        # Occurrences of repeated n-grams: all of them but those that occur once.
        "repeated_bigram_ratio": (n_bigrams - countOf(bigrams.values(), 1)) / n_bigrams
        if n_bigrams else 0.0,
        "repeated_trigram_ratio": (n_trigrams - countOf(trigrams.values(), 1)) / n_trigrams
        if n_trigrams else 0.0,
        **dict(zip(STRUCTURE_PATTERNS, map(float, map(structure.__getitem__,
                                                      STRUCTURE_PATTERNS)), strict=True)),
        "uppercase_ratio": chars["upper"] / chars["letters"] if chars["letters"] else 0.0,
        "digit_ratio": per_char(chars["digits"]),
        "punctuation_density": per_char(chars["punct"]),
        "whitespace_ratio": per_char(chars["space"]),
        "emoji_density": per_char(chars["emoji"]),
        "symbol_density": per_char(symbols),
        "arrow_density": per_char(arrows),
        "non_ascii_ratio": per_char(chars["non_ascii"]),
        "syllables_per_word": per_word(syllable_total),
        "flesch_reading_ease": flesch_reading_ease(n_words, n_sentences, syllable_total),
        **dict(zip(_RATE_KEYS, [n / n_words for n in lexicon.values()] if n_words
                   else _NO_RATES, strict=True)),
        "positive_rate": per_word(positive),
        "negative_rate": per_word(negative),
        "sentiment": polarity,
    }
    return MessageAnalysis(text, words, counts, content, function, bigrams, trigrams, char_counts,
                           lexicon, structure, polarity, compressed, raw, deflate_head, deflate,
                           metrics)

"""The positional layouts of recorded per-turn metrics, one per metrics version.

A TurnCompleteEvent line writes its metrics as an array, `"metrics":[v1,v2,...]`, in the order
of the layout of its `metrics_version` (a null is a metric that was not computed), instead of
repeating ~170 names on every turn. A layout is part of the file format: once released it never
changes, so files written under it read the same forever. A new metrics version adds a layout
here (tests/core/test_wire_metrics.py checks the current one matches the metrics catalog); metrics
of a version without a layout are written as a name-to-value object, as before.
"""

from __future__ import annotations

import math
from itertools import repeat

METRIC_LAYOUTS: dict[int, tuple[str, ...]] = {
    3: (
        "a_chars", "a_words", "a_unique_words", "a_sentences", "a_paragraphs",
        "a_mean_word_length", "a_mean_sentence_length", "a_sentence_length_sd", "a_ttr",
        "a_hapax_ratio", "a_mtld", "a_yules_k", "a_long_word_ratio", "a_stopword_ratio",
        "a_word_entropy", "a_char_entropy", "a_bigram_entropy", "a_compression_ratio",
        "a_repeated_bigram_ratio", "a_repeated_trigram_ratio", "a_questions", "a_exclamations",
        "a_list_items", "a_code_blocks", "a_inline_code", "a_headings", "a_emphasis", "a_links",
        "a_blockquotes", "a_ellipses", "a_dashes", "a_parentheticals", "a_uppercase_ratio",
        "a_digit_ratio", "a_punctuation_density", "a_whitespace_ratio", "a_emoji_density",
        "a_symbol_density", "a_arrow_density", "a_non_ascii_ratio", "a_syllables_per_word",
        "a_flesch_reading_ease", "a_pronoun_i_rate", "a_pronoun_we_rate", "a_pronoun_you_rate",
        "a_hedge_rate", "a_certainty_rate", "a_agreement_rate", "a_disagreement_rate",
        "a_gratitude_rate", "a_politeness_rate", "a_apology_rate", "a_meta_rate",
        "a_ai_identity_rate", "a_negation_rate", "a_intensifier_rate", "a_bliss_rate",
        "a_farewell_rate", "a_stillness_rate", "a_curiosity_rate", "a_positive_rate",
        "a_negative_rate", "a_sentiment", "a_self_overlap", "a_self_bigram_reuse",
        "a_self_trigram_reuse", "a_novel_word_ratio", "a_vocabulary_size", "a_length_growth",
        "a_tfidf_history", "b_chars", "b_words", "b_unique_words", "b_sentences", "b_paragraphs",
        "b_mean_word_length", "b_mean_sentence_length", "b_sentence_length_sd", "b_ttr",
        "b_hapax_ratio", "b_mtld", "b_yules_k", "b_long_word_ratio", "b_stopword_ratio",
        "b_word_entropy", "b_char_entropy", "b_bigram_entropy", "b_compression_ratio",
        "b_repeated_bigram_ratio", "b_repeated_trigram_ratio", "b_questions", "b_exclamations",
        "b_list_items", "b_code_blocks", "b_inline_code", "b_headings", "b_emphasis", "b_links",
        "b_blockquotes", "b_ellipses", "b_dashes", "b_parentheticals", "b_uppercase_ratio",
        "b_digit_ratio", "b_punctuation_density", "b_whitespace_ratio", "b_emoji_density",
        "b_symbol_density", "b_arrow_density", "b_non_ascii_ratio", "b_syllables_per_word",
        "b_flesch_reading_ease", "b_pronoun_i_rate", "b_pronoun_we_rate", "b_pronoun_you_rate",
        "b_hedge_rate", "b_certainty_rate", "b_agreement_rate", "b_disagreement_rate",
        "b_gratitude_rate", "b_politeness_rate", "b_apology_rate", "b_meta_rate",
        "b_ai_identity_rate", "b_negation_rate", "b_intensifier_rate", "b_bliss_rate",
        "b_farewell_rate", "b_stillness_rate", "b_curiosity_rate", "b_positive_rate",
        "b_negative_rate", "b_sentiment", "b_self_overlap", "b_self_bigram_reuse",
        "b_self_trigram_reuse", "b_novel_word_ratio", "b_vocabulary_size", "b_length_growth",
        "b_tfidf_history", "word_jaccard", "content_jaccard", "bigram_jaccard", "trigram_jaccard",
        "mimicry_a_to_b_1", "mimicry_a_to_b_2", "mimicry_a_to_b_3", "mimicry_b_to_a_1",
        "mimicry_b_to_a_2", "mimicry_b_to_a_3", "tfidf_cosine", "char_cosine",
        "function_word_cosine", "lexicon_cosine", "structure_similarity", "length_ratio",
        "sentiment_similarity", "ncd_similarity", "identical", "similarity_to_first_turn",
        "turn_repetition", "shared_bigram_history", "vocabulary_overlap", "convergence_mean",
        "convergence_ema", "convergence_delta", "endstate_loop", "endstate_emoji_collapse",
        "endstate_gratitude_spiral", "endstate_meta_talk", "endstate_goodbye_loop",
        "endstate_silence", "endstate_topic_drift",
    ),
}
METRIC_LAYOUTS[4] = METRIC_LAYOUTS[3]
"""Version 4 changed a definition (lexicon phrases of four words match), not the names."""


METRIC_DIGITS = 6
"""Significant digits a recorded metric keeps (the values in memory keep all of theirs)."""


_METRIC_FORMAT = f".{METRIC_DIGITS}g"


def _metric_text(value: float | None) -> str:
    return "null" if value is None or not math.isfinite(value) else format(value,
                                                                           _METRIC_FORMAT)


def packed_metrics(metrics: dict[str, float], version: int) -> bytes | None:
    """The metrics as the JSON array of their version's layout, or None if they do not fit one
    (no layout for the version, or a name the layout does not have)."""
    layout = METRIC_LAYOUTS.get(version)
    if layout is None or not metrics.keys() <= _LAYOUT_SETS[version]:
        return None
    # One `%` over every value (a missing one as nan) formats them ~2x faster than a call per
    # value, with the same text (`%.6g` is `format(value, ".6g")`); nan and ±inf (not JSON)
    # are the only texts with those letters, all written as null like a missing metric.
    values = tuple(map(metrics.get, layout, repeat(math.nan)))
    try:
        text = _ARRAY_FORMATS[version] % values
    except TypeError:  # a None among them
        text = ",".join(map(_metric_text, values))
    if "n" in text:
        text = ",".join(["null" if "n" in value else value for value in text.split(",")])
    return f"[{text}]".encode()


def unpacked_metrics(values: list[float | None], version: int) -> dict[str, float]:
    """A positional array back to names (a null is a metric that was not computed); raises
    ValueError if it does not fit the layout of `version`."""
    layout = METRIC_LAYOUTS.get(version)
    if layout is None or len(layout) != len(values):
        raise ValueError(f"metrics: {len(values)} values do not fit the layout of metrics "
                         f"version {version}")
    return {name: value for name, value in zip(layout, values, strict=True)
            if value is not None}


_LAYOUT_SETS = {version: frozenset(layout) for version, layout in METRIC_LAYOUTS.items()}
_ARRAY_FORMATS = {version: ",".join([f"%{_METRIC_FORMAT}"] * len(layout))
                  for version, layout in METRIC_LAYOUTS.items()}

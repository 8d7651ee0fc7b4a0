"""Golden values of single-message metrics on small texts whose answers can be worked by hand."""

from __future__ import annotations

import math

import pytest

from pidgin_tui.metrics.lexical import entropy, lexicon_counts, mtld
from pidgin_tui.metrics.text import analyze, tokenize


def test_counts_diversity_and_entropy_of_a_small_text() -> None:
    m = analyze("The cat sat. The cat ran!").metrics
    assert (m["words"], m["unique_words"], m["sentences"], m["exclamations"]) == (6, 4, 2, 1)
    assert m["ttr"] == pytest.approx(4 / 6)
    assert m["hapax_ratio"] == pytest.approx(0.5)  # "sat" and "ran" of 4 types
    # the:2 cat:2 sat:1 ran:1 of 6 words
    expected = -(2 * (2 / 6) * math.log2(2 / 6) + 2 * (1 / 6) * math.log2(1 / 6))
    assert m["word_entropy"] == pytest.approx(expected)
    assert m["mean_sentence_length"] == pytest.approx(3.0)
    assert m["repeated_bigram_ratio"] == pytest.approx(2 / 5)  # "the cat" twice of 5 bigrams


def test_multi_word_phrases_match_once_and_hide_their_words() -> None:
    words = tokenize("Thank you, I think we sort of agree.")
    assert words == ["thank", "you", "i", "think", "we", "sort", "of", "agree"]
    counts = lexicon_counts(words)
    assert counts["hedge"] == 2  # "i think", "sort of"
    assert counts["gratitude"] == 1  # "thank you" once, not "thank" again
    assert (counts["pronoun_i"], counts["pronoun_we"], counts["pronoun_you"]) == (1, 1, 1)
    assert counts["agreement"] == 1
    m = analyze("Thank you, I think we sort of agree.").metrics
    assert m["hedge_rate"] == pytest.approx(2 / 8)


def test_phrases_of_four_words_match() -> None:
    # metrics_version 4: entries of four words ("talk to you soon", "if you don't mind") matched
    # nothing before, so farewell_rate and the goodbye loop undercounted.
    words = tokenize("Talk to you soon, and have a great day! Until we meet again.")
    counts = lexicon_counts(words)
    assert counts["farewell"] == 3
    assert counts["pronoun_you"] == 1  # another lexicon's word inside the phrase still counts
    assert lexicon_counts(tokenize("If you don't mind, please wait."))["politeness"] == 2
    m = analyze("Talk to you soon. Take care!").metrics
    assert m["farewell_rate"] == pytest.approx(2 / 6)


def test_sentiment_flips_negated_words() -> None:
    m = analyze("This is not good. It is great.").metrics
    assert (m["positive_rate"], m["negative_rate"]) == (pytest.approx(1 / 7),
                                                        pytest.approx(1 / 7))
    assert m["sentiment"] == 0.0
    assert analyze("What a wonderful, lovely day").metrics["sentiment"] == 1.0
    assert analyze("This is awful").metrics["sentiment"] == -1.0


def test_emoji_arrow_and_symbol_densities() -> None:
    m = analyze("ok → 🙂").metrics  # 6 characters
    assert m["arrow_density"] == pytest.approx(1 / 6)
    assert m["emoji_density"] == pytest.approx(1 / 6)
    assert analyze("a -> b => c").metrics["arrow_density"] == pytest.approx(2 / 11)
    assert analyze("x + y = $3").metrics["symbol_density"] == pytest.approx(3 / 10)


def test_markdown_structure_is_counted() -> None:
    text = ("# Title\n\nSome **bold** text (aside) — see `x` at https://example.org?\n\n"
            "- one\n- two\n1. three\n\n> quoted...\n\n```py\nprint(1)\n```\n")
    m = analyze(text).metrics
    assert m["headings"] == 1
    assert m["list_items"] == 3
    assert m["code_blocks"] == 1
    assert m["inline_code"] == 1
    assert m["emphasis"] == 1
    assert m["links"] == 1
    assert m["blockquotes"] == 1
    assert m["ellipses"] == 1
    assert m["dashes"] == 1
    assert m["parentheticals"] == 2  # "(aside)" and "(1)"
    assert m["questions"] == 1
    assert m["paragraphs"] == 5


def test_mtld_reference_points() -> None:
    assert mtld([]) == 0.0
    distinct = [f"w{i}" for i in range(40)]
    assert mtld(distinct) == 40.0  # never falls below the threshold
    assert mtld(["same"] * 40) == 2.0  # a factor closes every second word


def test_entropy_edge_cases() -> None:
    assert entropy([]) == 0.0
    assert entropy([5]) == 0.0
    assert entropy([1, 1, 1, 1]) == pytest.approx(2.0)


def test_compression_ratio_sees_repetition() -> None:
    varied = analyze("Quick brown foxes jump over lazy dogs while seven zebras quietly graze.")
    repetitive = analyze("loop " * 40)
    assert repetitive.metrics["compression_ratio"] < varied.metrics["compression_ratio"]


def test_empty_message_is_all_zero_counts() -> None:
    m = analyze("").metrics
    assert m["words"] == m["chars"] == m["sentences"] == m["ttr"] == 0.0
    assert all(math.isfinite(v) for v in m.values())


@pytest.mark.parametrize("continued", [True, False])
@pytest.mark.parametrize("first", ["", "short text", "a long text, " * 200])
def test_joined_compressed_size_is_that_of_the_joined_texts(first: str, continued: bool) -> None:
    # A long first text's compressor is continued; one analysed without it (`continued`
    # False) is compressed again: the same size either way.
    from pidgin_tui.metrics.text import compressed_size, joined_compressed_size

    second = "and its reply, " * 90
    a, b = analyze(first, continued), analyze(second, continued=False)
    assert (a.deflate is not None) == (continued and len(first) >= 256)
    assert joined_compressed_size(a, b) == compressed_size(
        first.encode() + b"\n" + second.encode())
    assert analyze(first, continued).metrics == analyze(first).metrics

"""The documented list of every per-turn metric: name, definition and range.

`docs/metrics.md` is rendered from this catalog (`render_markdown`), and a test checks that the
scorer produces exactly these names, so the documentation cannot drift from the code.
Per-agent metrics appear twice per turn, as `a_<name>` and `b_<name>`.
"""

from __future__ import annotations

from pidgin_tui.metrics.convergence import PROFILE_DESCRIPTIONS, PROFILES
from pidgin_tui.metrics.endstates import DEGRADATIONS, END_STATES, SCORE_KEYS
from pidgin_tui.metrics.lexicons import LEXICONS
from pidgin_tui.metrics.notes import cost_section, sentiment_section, version_section
from pidgin_tui.metrics.validation import (
    CONVERGENCE_AUC,
    CONVERGENCE_MEANS,
    END_STATE_FLOOR,
    END_STATE_PRECISION_RECALL,
    OLD_UNRELATED_MEAN,
)

_RATE = "[0, 1]"
_LEXICON_TOPICS = {
    "pronoun_i": "first-person singular pronouns (I, me, my, I'm, ...)",
    "pronoun_we": "first-person plural pronouns (we, us, our, let's, ...)",
    "pronoun_you": "second-person pronouns (you, your, you're, ...)",
    "hedge": "hedges (maybe, perhaps, sort of, kind of, I think, ...)",
    "certainty": "certainty markers (definitely, clearly, of course, ...)",
    "agreement": "agreement (yes, agree, exactly, you're right, good point, ...)",
    "disagreement": "disagreement and contrast (disagree, however, but, not quite, ...)",
    "gratitude": "gratitude (thanks, thank you, appreciate, ...)",
    "politeness": "politeness (please, would you, my pleasure, ...)",
    "apology": "apologies (sorry, apologies, my bad, ...)",
    "meta": "meta-talk about the conversation itself (this conversation, our exchange, ...)",
    "ai_identity": "talk about being an AI (AI, language model, as an AI, trained, ...)",
    "negation": "negations (not, no, never, don't, can't, ...)",
    "intensifier": "intensifiers (very, really, deeply, truly, ...)",
    "bliss": "bliss words (bliss, joy, sacred, cosmic, oneness, namaste, profound, ...)",
    "farewell": "farewells (goodbye, take care, you too, until next time, ...)",
    "stillness": "silence and meditation words (silence, stillness, breathe, pause, ...)",
    "curiosity": "curiosity (wonder, curious, fascinating, what if, ...)",
}

PER_AGENT: dict[str, tuple[str, str]] = {
    "chars": ("characters in the message", "≥ 0"),
    "words": ("words (letters/digits, inner apostrophes kept)", "≥ 0"),
    "unique_words": ("distinct lower-cased words", "≥ 0"),
    "sentences": ("non-blank segments split at . ! ? … and line breaks", "≥ 0"),
    "paragraphs": ("non-blank blocks separated by blank lines", "≥ 0"),
    "mean_word_length": ("mean letters per word", "≥ 0"),
    "mean_sentence_length": ("words / sentences", "≥ 0"),
    "sentence_length_sd": ("population standard deviation of sentence lengths (tokens)", "≥ 0"),
    "ttr": ("type-token ratio: unique_words / words", _RATE),
    "hapax_ratio": ("words used exactly once / unique_words", _RATE),
    "mtld": ("MTLD lexical diversity (threshold 0.72, mean of forward and backward passes)",
             "≥ 0"),
    "yules_k": ("Yule's K ×10⁴ (lower = more diverse)", "≥ 0"),
    "long_word_ratio": ("share of words with ≥ 7 letters", _RATE),
    "stopword_ratio": ("share of words that are function words", _RATE),
    "word_entropy": ("Shannon entropy of the word distribution, bits", "[0, log2(words)]"),
    "char_entropy": ("Shannon entropy of the character distribution, bits", "≥ 0"),
    "bigram_entropy": ("Shannon entropy of the word-bigram distribution, bits", "≥ 0"),
    "compression_ratio": ("raw-deflate size / UTF-8 size (lower = more redundant)",
                          "≥ 0 (about 0.3–1.1)"),
    "repeated_bigram_ratio": ("share of bigram occurrences whose bigram occurs twice or more "
                              "in the message", _RATE),
    "repeated_trigram_ratio": ("share of trigram occurrences whose trigram occurs twice or "
                               "more in the message", _RATE),
    "questions": ("runs of question marks", "≥ 0"),
    "exclamations": ("runs of exclamation marks", "≥ 0"),
    "list_items": ("markdown list items (-, *, +, •, 1. or 1))", "≥ 0"),
    "code_blocks": ("fenced code blocks (``` or ~~~; an unclosed fence counts)", "≥ 0"),
    "inline_code": ("inline `code` spans", "≥ 0"),
    "headings": ("markdown headings (#, ##, ...)", "≥ 0"),
    "emphasis": ("**bold**, __bold__ or *italic* spans", "≥ 0"),
    "links": ("URLs and markdown links", "≥ 0"),
    "blockquotes": ("lines starting with >", "≥ 0"),
    "ellipses": ("ellipses (... or …)", "≥ 0"),
    "dashes": ("em/en dashes and spaced hyphens", "≥ 0"),
    "parentheticals": ("(parenthesised) spans", "≥ 0"),
    "uppercase_ratio": ("upper-case letters / letters", _RATE),
    "digit_ratio": ("digits / characters", _RATE),
    "punctuation_density": ("punctuation characters / characters", _RATE),
    "whitespace_ratio": ("whitespace characters / characters", _RATE),
    "emoji_density": ("emoji / characters", _RATE),
    "symbol_density": ("other symbols (Unicode categories S*: math, currency, modifiers; not "
                       "emoji, not arrows, and not the < > = inside ASCII arrows) / characters",
                       _RATE),
    "arrow_density": ("arrows (→ ⇒ ⟶ … and ASCII -> => <-) / characters", "[0, 1]"),
    "non_ascii_ratio": ("non-ASCII characters / characters", _RATE),
    "syllables_per_word": ("mean heuristic syllables per word", "≥ 0"),
    "flesch_reading_ease": ("206.835 − 1.015·words/sentences − 84.6·syllables/words",
                            "unbounded; typically 0–100, higher = easier"),
    **{f"{name}_rate": (f"occurrences per word of {_LEXICON_TOPICS[name]}; a phrase counts "
                        "once", "[0, 1]") for name in LEXICONS},
    "positive_rate": ("positive lexicon words per word; one with a negator (the negation "
                      "lexicon) up to 3 words before it in the same clause counts as negative "
                      "(a clause ends at . ! ? ; : , … dashes, brackets, line breaks and "
                      "`but`)", _RATE),
    "negative_rate": ("negative lexicon words per word; negated in the same clause (as for "
                      "positive_rate) → positive", _RATE),
    "sentiment": ("(positive − negative) / (positive + negative); 0 when neither occurs",
                  "[-1, 1]"),
    "self_overlap": ("Jaccard of content words with this agent's previous message (0 on its "
                     "first)", _RATE),
    "self_bigram_reuse": ("share of the message's distinct bigrams this agent used before",
                          _RATE),
    "self_trigram_reuse": ("share of the message's distinct trigrams this agent used before",
                           _RATE),
    "novel_word_ratio": ("share of the message's distinct words never said before in the "
                         "conversation (by anyone)", _RATE),
    "vocabulary_size": ("distinct words this agent has used so far (cumulative)", "≥ 0"),
    "length_growth": ("ln((words+1) / (previous words+1)) against this agent's previous "
                      "message; 0 on its first", "real"),
    "tfidf_history": ("TF-IDF cosine of the message's content-word counts with the summed "
                      "counts of every earlier message of the conversation (same IDF as "
                      "tfidf_cosine)", _RATE),
}
"""Metrics of one agent's message; stored per turn as `a_<name>` and `b_<name>`."""

CROSS: dict[str, tuple[str, str]] = {
    "word_jaccard": ("Jaccard of the two messages' word sets", _RATE),
    "content_jaccard": ("Jaccard of the two messages' content-word (non-function) sets", _RATE),
    "bigram_jaccard": ("Jaccard of the two messages' bigram sets", _RATE),
    "trigram_jaccard": ("Jaccard of the two messages' trigram sets", _RATE),
    **{f"mimicry_{x}_to_{y}_{n}": (
        f"share of {y.upper()}'s distinct {kind} found in {x.upper()}'s latest message before "
        f"{y.upper()} spoke (0 if {x.upper()} has not spoken yet)", _RATE)
       for x, y in (("a", "b"), ("b", "a"))
       for n, kind in ((1, "content words"), (2, "bigrams"), (3, "trigrams"))},
    "tfidf_cosine": ("cosine of the two messages' TF-IDF vectors: raw content-word counts × "
                     "smoothed IDF = ln((1 + N) / (1 + df)) + 1, N = messages of the "
                     "conversation so far (this turn's two included), df = messages "
                     "containing the word", _RATE),
    "char_cosine": ("cosine of the two messages' raw character counts (every character, "
                    "spaces and case included): a style measure, high for any two texts in "
                    "the same language", _RATE),
    "function_word_cosine": ("cosine of the two messages' counts of function words (the "
                             "stopword list in metrics/lexicons.py): style", _RATE),
    "lexicon_cosine": ("cosine of the two messages' counts per lexicon (hedges, agreement, "
                       "gratitude, ...; 1 if both are empty)", _RATE),
    "structure_similarity": ("mean of (min + 1) / (max + 1) over the structural counts "
                             "(questions, lists, emphasis, ...) present in either message (1 if "
                             "none): add-one smoothed", _RATE),
    "length_ratio": ("min(words) / max(words)", _RATE),
    "sentiment_similarity": ("1 − |sentiment_a − sentiment_b| / 2", _RATE),
    "ncd_similarity": ("1 − (C(a + b) − min(C(a), C(b))) / max(C(a), C(b)), C = raw-deflate "
                       "size (level 6, 4 KiB window) of the UTF-8 text, clamped to [0, 1]",
                       _RATE),
    "identical": ("1 if the messages are identical up to whitespace, else 0", "{0, 1}"),
    "similarity_to_first_turn": ("Jaccard of this turn's content words with the first turn's "
                                 "(1 on the first turn)", _RATE),
    "turn_repetition": ("Jaccard of this turn's content words with the previous turn's (0 on "
                        "the first turn)", _RATE),
    "shared_bigram_history": ("share of this turn's distinct bigrams already said earlier in "
                              "the conversation", _RATE),
    "vocabulary_overlap": ("Jaccard of the two agents' cumulative vocabularies", _RATE),
    "convergence_mean": ("mean convergence score of all turns so far (cumulative convergence)",
                         _RATE),
    "convergence_ema": ("exponential moving average of the convergence score (α = 0.3)",
                        _RATE),
    "convergence_delta": ("convergence score minus the previous turn's (0 on the first turn)",
                          "[-1, 1]"),
}
"""Metrics comparing the two agents (no prefix)."""

END_STATE_SCORES: dict[str, tuple[str, str]] = {
    SCORE_KEYS[name]: (f"{name} detector score: {spec.description}", _RATE)
    for name, spec in END_STATES.items()}
"""Per-turn end-state detector scores (see `pidgin_tui.metrics.endstates`)."""


def metric_names() -> list[str]:
    """Every metric key a turn produces, in storage order."""
    return ([f"a_{n}" for n in PER_AGENT] + [f"b_{n}" for n in PER_AGENT] + list(CROSS)
            + list(END_STATE_SCORES))


def render_markdown() -> str:
    """The text of docs/metrics.md."""
    lines = [
        "# Per-turn metrics",
        "",
        "Every completed turn carries these values in its `TurnCompleteEvent` (`metrics`, with "
        "`metrics_version`), and the database stores them in `turn_metrics` (long form: "
        "`agent` is `a`, `b`, or NULL for cross-agent metrics) and `turn_metrics_wide`.",
        f"There are {len(PER_AGENT)} per-agent metrics (×2 agents), {len(CROSS)} cross-agent "
        f"metrics and {len(END_STATE_SCORES)} end-state scores: {len(metric_names())} values "
        "per turn, plus the convergence score. `pidgin-tui metrics NAME` prints the definition "
        "of a stored name (`a_ttr`), of every name starting with a prefix (`mimicry`, "
        "`endstate_`), or of both agents' metric named without its `a_`/`b_` (`ttr`).",
        "",
        "Words are lower-cased runs of letters/digits (inner apostrophes kept); content words "
        "are words that are not function words. Rates are per word; densities per character. "
        "An empty message gives 0 for counts and rates; two empty messages are identical (1) "
        "for every similarity.",
        "",
        "## Convergence score",
        "",
        "`convergence = Σ w_k · component_k / Σ w_k`, a weighted mean of cross-agent "
        "similarities, each in [0, 1] and 1 for identical messages; so the score lies in "
        "[0, 1] and identical messages score 1. Weights by profile "
        "(`--convergence-profile`):",
        "",
        "| profile | meaning | weights |",
        "|---|---|---|",
    ]
    for name, weights in PROFILES.items():
        spec = ", ".join(f"`{k}` {w:g}" for k, w in weights.items())
        lines.append(f"| `{name}` | {PROFILE_DESCRIPTIONS[name]} | {spec} |")
    lines += ["", f"## Per-agent metrics (`a_<name>`, `b_<name>`): {len(PER_AGENT)}", "",
              "| name | definition | range |", "|---|---|---|"]
    lines += [f"| `{n}` | {d} | {r} |" for n, (d, r) in PER_AGENT.items()]
    lines += ["", f"## Cross-agent metrics: {len(CROSS)}", "",
              "| name | definition | range |", "|---|---|---|"]
    lines += [f"| `{n}` | {d} | {r} |" for n, (d, r) in CROSS.items()]
    lines += _end_state_section()
    lines += _validation_section()
    lines += sentiment_section() + cost_section() + version_section()
    return "\n".join(lines) + "\n"


def _end_state_section() -> list[str]:
    lines = [
        "", f"## End states: {len(END_STATES)} detector scores (`endstate_<name>`)", "",
        "Each detector scores every turn in [0, 1] from the metrics above. An end state is "
        "detected when its score is at or above the threshold on `persistence` consecutive "
        "turns; its onset is the first of those turns, and an `EndStateDetectedEvent` "
        "records it with the action taken (`--end-state-action`: stop, warn, pause or "
        "continue; `warn, loop=stop` sets one detector). Detection is sticky: a conversation "
        "keeps the labels it fell into. *Substantive turns* are the turns before the earliest "
        "onset of a degradation (every end state but "
        f"{', '.join(f'`{n}`' for n in END_STATES if n not in DEGRADATIONS)}).", "",
        "| end state | score | threshold | persistence |", "|---|---|---|---|"]
    lines += [f"| `{name}` (`{SCORE_KEYS[name]}`) | {spec.formula} | {spec.threshold:g} | "
              f"{spec.persistence} |" for name, spec in END_STATES.items()]
    return lines


def _validation_section() -> list[str]:
    """The separation figures measured on the labelled sets (see metrics/validation.py)."""
    if not CONVERGENCE_MEANS:
        return []
    means = " · ".join(f"{cls} {value:.2f}" for cls, value in CONVERGENCE_MEANS.items())
    aucs = " · ".join(f"{hi} vs {lo} {value:.2f}" for (hi, lo), value in CONVERGENCE_AUC.items())
    lines = [
        "", "## Validation", "",
        "### Convergence score (metrics_version 3)", "",
        "The score is validated on labelled message pairs in `tests/data/convergence_pairs.yaml` "
        "(7 per class, hand-written: *mirrored* — B restates A; *looping* — both repeat stock "
        "phrases; *converging* — B takes up A's topic and words; *diverging* — B picks up a "
        "word, then changes the subject; *unrelated*) plus every turn of the real "
        "SmolLM2-135M conversations in `tests/data/tiny_model/` (*tiny-model*). A test asserts "
        "the documented order mirrored, looping > converging > diverging ≥ unrelated and "
        "recomputes these figures.", "",
        f"Mean `balanced` score per class: {means}.", "",
        f"AUC (probability that a pair of the first class scores above one of the second): "
        f"{aucs}.", "",
        "Version 2's score gave the same unrelated pairs "
        f"{OLD_UNRELATED_MEAN:.2f} on average, more than its diverging pairs, because "
        "`structure_similarity` (0 or 1 on prose, flipped by one question mark) and "
        "`char_cosine` (≈ 0.9 for any two English texts) carried 25% of the weight. Structure "
        "now counts 5% and is add-one smoothed; one question mark moves the score by less "
        "than 0.03 (tested).", "",
        "### End-state detectors", "",
        "Labelled conversations in `tests/data/endstates/labelled.yaml` (two per end state, "
        "each a substantive opening followed by the attractor, and near-misses that carry no "
        "label: a long exchange with thanks in it, a list- and symbol-heavy technical "
        "exchange, short but substantive replies, a single goodbye, a mention of "
        "\"conversation\") plus the real SmolLM2-135M conversations in "
        "`tests/data/tiny_model/`, labelled by a reader of their transcripts. Thresholds were "
        "set on the hand-written set; the tiny-model conversations were not used to set them.",
        "", "| end state | precision | recall | labelled conversations |", "|---|---|---|---|"]
    lines += [f"| `{name}` | {p:.2f} | {r:.2f} | {n} |"
              for name, (p, r, n) in END_STATE_PRECISION_RECALL.items()]
    lines += ["", f"The floor asserted by the test is {END_STATE_FLOOR:g} for both precision "
              "and recall: with two to four labelled conversations per detector, one miss or "
              "one false alarm on a near-miss would already fall below it, so the floor means "
              "every clear case is caught and no near-miss fires."]
    return lines

"""The prose sections of docs/metrics.md that are not tables of the catalog: the sentiment
choice, the cost per turn and what each metrics version changed (rendered by
`catalog.render_markdown`)."""

from __future__ import annotations

VERSION_CHANGES: dict[int, str] = {
    1: "the per-agent and cross-agent metrics and the convergence profiles",
    2: "adds the seven end-state scores (`endstate_<name>`)",
    3: "the convergence score led by shared content (structure minor and add-one smoothed); "
       "sentiment negation scoped to its clause; the `<`, `>`, `=` of ASCII arrows no longer "
       "count in `symbol_density`",
    4: "lexicon entries of four words match (\"talk to you soon\", \"have a great day\", "
       "\"if you don't mind\"): version 3 never matched them, so `farewell_rate`, "
       "`politeness_rate`, `lexicon_cosine` and `endstate_goodbye_loop` could be lower",
}
"""What each `metrics_version` changed; the newest key is the current version (tested)."""


def sentiment_section() -> list[str]:
    """Why the built-in lexicon is the only sentiment column (figures from
    benchmarks/sentiment_choice.py)."""
    return [
        "", "## Sentiment: why the built-in lexicon, and no VADER column", "",
        "`sentiment`, `positive_rate` and `negative_rate` come from a small offline lexicon "
        "(`POSITIVE`/`NEGATIVE` in metrics/lexicons.py, about 90 words each) with "
        "clause-scoped negation. VADER (vaderSentiment 3.3.2, about 7,500 rated entries with "
        "boosters, contrastive `but` and capitals) was considered as a second column, "
        "measured by `benchmarks/sentiment_choice.py`:", "",
        "- **Cost:** 0.51 ms per ~150-word message, about twice the whole per-turn budget "
        "(0.6 ms for both messages and every metric), so it could only be a post-run "
        "column.",
        "- **Agreement on our data** (245 distinct messages of the tiny-model, labelled "
        "end-state and convergence sets): where both call a message non-neutral (70 "
        "messages) they disagree on its sign once; Pearson r = 0.65. The lexicon is "
        "neutral more often (65% same sign with neutral included).",
        "- **Probes a reader signs** (20 short messages): VADER 17, the lexicon 15. Both miss "
        "\"I don't think this is a problem\" and \"I hardly enjoyed it\"; the lexicon also "
        "misses a contrast (\"awful, but … brilliant\" scores 0) and words it does not list "
        "(\"like\", \"hoped\").", "",
        "Chosen: the lexicon only. Sentiment is a descriptive column here (with "
        "`sentiment_similarity`); no convergence profile and no end-state detector uses it, "
        "and on the messages both call non-neutral the two agree on the sign. VADER's last "
        "release is from 2020: it would add a dependency and a second post-processing pass "
        "for a column that moves with this one. A researcher who wants VADER scores can "
        "compute them from the `messages` table in DuckDB.",
    ]


def version_section() -> list[str]:
    lines = ["", "## Versions", "",
             "Each turn records the `metrics_version` that computed it. When a definition "
             "changes the version is bumped: experiments recorded earlier keep their values, "
             "and `pidgin-tui rescore EXPERIMENT` recomputes them with the current version "
             "(into `rescored/v<version>/`, beside the untouched record).", "",
             "| version | change |", "|---|---|"]
    return lines + [f"| {v} | {change} |" for v, change in VERSION_CHANGES.items()]


def cost_section() -> list[str]:
    """What the metrics cost per turn (figures from benchmarks/metrics_per_turn.py,
    benchmarks/core_overhead.py and callgrind instruction counts)."""
    return [
        "", "## Cost per turn", "",
        "All 173 values and the seven detectors of one turn, measured by "
        "`benchmarks/metrics_per_turn.py` (each turn's fastest of the repeats; the range of "
        "several runs on the 2-core development machine at load average 5–7) and as "
        "instructions per turn counted by callgrind (`--instructions`, stable under load: "
        "scoring a conversation three times minus once, `PYTHONHASHSEED=0`):", "",
        "| conversation | ms per turn | instructions per turn |", "|---|---|---|",
        "| synthetic, two ~150-word messages per turn | 0.79–0.84 | 6.39 M |",
        "| 200-turn `local:instant` (~30 words) | 0.32–0.33 | 2.50 M |",
        "| real SmolLM2-135M conversations (~50 words) | 0.22 | 1.87 M |", "",
        "The goal of 0.6 ms per turn holds for short messages but not for two ~150-word "
        "messages. What keeps the count down, each with exactly the values of the plain "
        "definition (the golden pins in `tests/data/metrics_golden/`): the frequent ASCII "
        "characters of a long message are counted on its bytes rather than one dictionary "
        "update each; one pass over a message's distinct words gives the stopword split, "
        "letters, long words, syllables (a per-word cache), hapax, Yule's K and the word "
        "entropy; a message's TF-IDF similarity to the history and its folding into the "
        "history are one pass over its terms; a long message's deflate state is continued "
        "for `ncd_similarity`. Where the ~6.4 M instructions of a ~150-word turn go: word "
        "bigrams and trigrams (joining and counting them) 13%, TF-IDF 13%, the character "
        "histogram 7%, deflate for `compression_ratio` and `ncd_similarity` 7%, MTLD's two "
        "passes 7%, lexicons 5%, sentence lengths 5%, the rest spread over tokenising, "
        "structure patterns, sets of the cumulative metrics and assembling the values. "
        "Each is a C primitive (joining, hashing, dict and set insertion, zlib, regular "
        "expressions) called once per character, word or term, or a plain Python loop "
        "that measured cheaper than the equivalent chain of C calls (the interpreter "
        "specialises simple loops): what remains is not repeated work. Compiling the "
        "metrics modules with mypyc removed only 8% (150 words) to 12% (`local:instant`) "
        "of the instructions, so it is not used. Reaching 0.6 ms on long messages would "
        "mean computing some metrics after the run instead of live (deflate, MTLD and the "
        "sentence lengths together are about a fifth of the instructions): a change to "
        "what a turn records, and a `metrics_version` bump.", "",
        "Orchestration: a 200-turn `local:instant` conversation costs 3.5 M instructions "
        "per turn without metrics and 6.75 M with them (scoring, detectors and writing the "
        "173 values). `benchmarks/core_overhead.py` measured orchestration including "
        "metrics at 1.17–1.44 ms per turn in quieter runs and 1.8–2.4 ms at load average 6; "
        "the goal, ≤ 1 ms, is not met: it needs the metrics at about a third of their "
        "instructions on these messages, or a cheaper orchestration.",
    ]

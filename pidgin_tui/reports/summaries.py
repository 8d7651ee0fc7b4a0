"""Per-model-pair summaries for the README: end-state distribution and convergence.

"7 of 20 ended in a gratitude spiral at a median turn of 14" is what the self-interaction
studies report by hand; these tables compute it from the recorded EndStateDetectedEvents.
Each conversation is taken in as a few numbers (`PairFigures`), so an experiment of any size is
summarised without keeping its records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from statistics import fmean, median

from pidgin_tui.metrics.endstates import END_STATE_NAMES, title
from pidgin_tui.record.conversation import ConversationRecord


@dataclass(frozen=True, slots=True)
class PairFigures:
    """What the per-pair tables need of one conversation."""

    substantive_turns: int
    end_states: tuple[str, ...]
    onsets: tuple[int, ...]
    """The onset turn of each of `end_states`."""
    convergence: float | None
    max_convergence: float | None

    @classmethod
    def of(cls, conv: ConversationRecord) -> PairFigures:
        return cls(conv.substantive_turns, tuple(e.end_state for e in conv.end_states),
                   tuple(e.onset_turn for e in conv.end_states), conv.convergence,
                   conv.max_convergence)


class PairTally:
    """Conversations by model pair (escaped for a Markdown table cell), fed one at a time."""

    def __init__(self, conversations: Iterable[ConversationRecord] = ()) -> None:
        self.pairs: dict[str, list[PairFigures]] = {}
        for conv in conversations:
            self.add(conv)

    def add(self, conv: ConversationRecord) -> None:
        pair = " ".join(conv.model_pair.split()).replace("|", "\\|")
        self.pairs.setdefault(pair, []).append(PairFigures.of(conv))


def _turn(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def end_state_lines(tally: PairTally) -> list[str]:
    """Per model pair: how many conversations fell into each end state, at which median onset
    turn, and the median number of substantive turns."""
    lines: list[str] = []
    for pair, convs in sorted(tally.pairs.items()):
        n = len(convs)
        substantive = median(c.substantive_turns for c in convs)
        lines += [f"**{pair}** ({n} conversation{'s' if n != 1 else ''}; median substantive "
                  f"turns {_turn(substantive)})", ""]
        found = False
        for name in END_STATE_NAMES:
            # recorded turn numbers are 0-based; people read 1-based turns
            onsets = [onset for c in convs
                      for state, onset in zip(c.end_states, c.onsets, strict=True)
                      if state == name]
            if onsets:
                found = True
                lines.append(f"- {len(onsets)} of {n} ended in a {title(name)} at a median "
                             f"turn of {_turn(median(onsets))}")
        clean = sum(not c.end_states for c in convs)
        if clean:
            lines.append(f"- {clean} of {n} showed no end state")
        elif not found:
            lines.append("- no end state detected")
        lines.append("")
    return lines or ["No conversation recorded yet."]


def convergence_lines(tally: PairTally) -> list[str]:
    """Per model pair: mean and range of the final and the peak convergence score."""
    rows = ["| model pair | conversations | final convergence (mean, min–max) | "
            "peak convergence (mean) |", "|---|---|---|---|"]
    for pair, convs in sorted(tally.pairs.items()):
        final = [c.convergence for c in convs if c.convergence is not None]
        peaks = [c.max_convergence for c in convs if c.max_convergence is not None]
        if not final:
            rows.append(f"| {pair} | {len(convs)} | - | - |")
            continue
        rows.append(f"| {pair} | {len(convs)} | {fmean(final):.3f} ({min(final):.3f}–"
                    f"{max(final):.3f}) | {fmean(peaks):.3f} |")
    return rows

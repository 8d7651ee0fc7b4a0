"""Per-model-pair summaries for the README: end-state distribution and convergence.

"7 of 20 ended in a gratitude spiral at a median turn of 14" is what the self-interaction
studies report by hand; these tables compute it from the recorded EndStateDetectedEvents.
"""

from __future__ import annotations

from collections.abc import Iterable
from statistics import fmean, median

from pidgin_tui.metrics.endstates import END_STATE_NAMES, title
from pidgin_tui.record.conversation import ConversationRecord


def _by_pair(conversations: Iterable[ConversationRecord]) -> dict[str, list[ConversationRecord]]:
    """Conversations by model pair; the pair is escaped for a Markdown table cell."""
    pairs: dict[str, list[ConversationRecord]] = {}
    for conv in conversations:
        pair = " ".join(conv.model_pair.split()).replace("|", "\\|")
        pairs.setdefault(pair, []).append(conv)
    return pairs


def _turn(value: float) -> str:
    return f"{value:g}" if value == int(value) else f"{value:.1f}"


def end_state_lines(conversations: Iterable[ConversationRecord]) -> list[str]:
    """Per model pair: how many conversations fell into each end state, at which median onset
    turn, and the median number of substantive turns."""
    lines: list[str] = []
    for pair, convs in sorted(_by_pair(conversations).items()):
        n = len(convs)
        substantive = median(c.substantive_turns for c in convs)
        lines += [f"**{pair}** ({n} conversation{'s' if n != 1 else ''}; median substantive "
                  f"turns {_turn(substantive)})", ""]
        found = False
        for name in END_STATE_NAMES:
            # recorded turn numbers are 0-based; people read 1-based turns
            onsets = [e.onset_turn for c in convs for e in c.end_states
                      if e.end_state == name]
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


def convergence_lines(conversations: Iterable[ConversationRecord]) -> list[str]:
    """Per model pair: mean and range of the final and the peak convergence score."""
    rows = ["| model pair | conversations | final convergence (mean, min–max) | "
            "peak convergence (mean) |", "|---|---|---|---|"]
    for pair, convs in sorted(_by_pair(conversations).items()):
        final = [c.convergence for c in convs if c.convergence is not None]
        peaks = [c.max_convergence for c in convs if c.max_convergence is not None]
        if not final:
            rows.append(f"| {pair} | {len(convs)} | - | - |")
            continue
        rows.append(f"| {pair} | {len(convs)} | {fmean(final):.3f} ({min(final):.3f}–"
                    f"{max(final):.3f}) | {fmean(peaks):.3f} |")
    return rows

"""The convergence score over turns as a sparkline, and the latest few metrics."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from pidgin_tui.tui.state import ConversationState

SHOWN_METRICS = 6
"""Latest metrics listed under the sparkline."""
PREFERRED_METRICS = ("vocabulary_overlap", "structure_similarity", "ncd_similarity",
                     "length_ratio", "similarity_to_first_turn", "convergence_ema",
                     "convergence_delta")
"""Shown first when present: the pairwise measures that say how alike the agents have become."""


def pick_metrics(metrics: dict[str, float], count: int = SHOWN_METRICS) -> list[tuple[str, float]]:
    """The preferred pairwise metrics that exist, then the others in their given order."""
    names = [n for n in PREFERRED_METRICS if n in metrics]
    names += [n for n in metrics if n not in names]
    return [(name, metrics[name]) for name in names[:count]]


class ConvergencePanel(Vertical):
    """Sparkline of convergence per turn plus the newest metric values."""

    DEFAULT_CSS = """
    ConvergencePanel {
        height: auto;
        border: round $accent;
        border-title-color: $accent;
        padding: 0 1;
    }
    ConvergencePanel > Sparkline { height: 3; margin-bottom: 1; }
    ConvergencePanel > #convergence-empty { height: 3; margin-bottom: 1; color: $text-muted; }
    ConvergencePanel > #metrics { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Sparkline([], id="convergence-sparkline")
        yield Static("no data yet", id="convergence-empty")
        yield Static("", id="metrics")

    def on_mount(self) -> None:
        self.border_title = "Convergence"

    def show_conversation(self, conversation: ConversationState | None) -> None:
        scores = [] if conversation is None else conversation.convergence
        latest = f" {scores[-1]:.2f}" if scores else ""
        self.border_title = f"Convergence{latest}"
        # An empty sparkline draws a full block (which reads as maximum convergence): say so.
        sparkline = self.query_one(Sparkline)
        sparkline.display = bool(scores)
        self.query_one("#convergence-empty", Static).display = not scores
        sparkline.data = scores[-200:]
        metrics = {} if conversation is None else conversation.metrics
        lines = [f"{name[:20]:<20} {value:8.3f}" for name, value in pick_metrics(metrics)]
        self.query_one("#metrics", Static).update("\n".join(lines) or "no metrics yet")

"""The convergence score over turns as a sparkline, and the latest few metrics."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Sparkline, Static

from pidgin_tui.tui.state import ConversationState

SHOWN_METRICS = 6
"""Latest metrics listed under the sparkline."""


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
    ConvergencePanel > #metrics { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Sparkline([], id="convergence-sparkline")
        yield Static("", id="metrics")

    def on_mount(self) -> None:
        self.border_title = "Convergence"

    def show_conversation(self, conversation: ConversationState | None) -> None:
        scores = [] if conversation is None else conversation.convergence
        latest = f" {scores[-1]:.2f}" if scores else ""
        self.border_title = f"Convergence{latest}"
        self.query_one(Sparkline).data = scores[-200:] or [0.0]
        metrics = {} if conversation is None else conversation.metrics
        lines = [f"{name[:18]:<18} {value:8.3f}"
                 for name, value in list(metrics.items())[:SHOWN_METRICS]]
        self.query_one("#metrics", Static).update("\n".join(lines) or "no metrics yet")

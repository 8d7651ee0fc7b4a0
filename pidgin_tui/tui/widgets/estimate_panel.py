"""The setup screen's pre-run estimate: requests, tokens, cost (or unpriced) and duration."""

from __future__ import annotations

from textual.markup import escape
from textual.widgets import Static

from pidgin_tui.tui.estimate import RunEstimate
from pidgin_tui.views.format import format_cost, format_duration, format_tokens


class EstimatePanel(Static):
    """Shows the estimate of the form as it stands, or why there is none."""

    DEFAULT_CSS = """
    EstimatePanel {
        height: auto;
        border: round $primary;
        border-title-color: $primary;
        padding: 0 1;
    }
    EstimatePanel.-invalid { border: round $error; border-title-color: $error; }
    EstimatePanel.-pending { color: $text-muted; }
    """

    def on_mount(self) -> None:
        self.border_title = "Estimate"
        self.add_class("-pending")
        self.update("estimating…")

    @property
    def pending(self) -> bool:
        return self.has_class("-pending")

    def show_estimate(self, estimate: RunEstimate, conversations: int, parallel: int,
                      warnings: list[str] | None = None) -> None:
        """The figures, plus a warning per model that cannot run (e.g. a key is missing)."""
        self.remove_class("-invalid", "-pending")
        notes = "".join(f"\n[b $text-warning]⚠ {escape(w)}[/]" for w in warnings or [])
        self.update(
            f"[b]{estimate.requests:,}[/b] requests\n"
            f"~[b]{format_tokens(estimate.tokens)}[/b] tokens\n"
            f"cost [b]{format_cost(estimate.cost_usd)}[/b]\n"
            f"~[b]{format_duration(estimate.duration_s)}[/b] "
            f"({conversations} conversation{'s' if conversations != 1 else ''}, "
            f"{parallel} at a time){notes}\n\n"
            "[dim]ctrl+r launches[/dim]")

    def show_problems(self, problems: dict[str, str]) -> None:
        self.remove_class("-pending")
        self.add_class("-invalid")
        count = len(problems)
        lines = "\n".join(f"• {key}: {escape(reason)}" for key, reason in problems.items())
        self.update(f"[b]{count} field{'s' if count != 1 else ''} to fix[/b]\n{lines}")

"""Per-agent figures: tokens in and out, cost, context-window use, time to first token, speed."""

from __future__ import annotations

from textual.markup import escape
from textual.widgets import Static

from pidgin_tui.core.types import AgentId
from pidgin_tui.tui.state import AgentStats
from pidgin_tui.views.format import format_cost, format_tokens


class AgentPanel(Static):
    """One agent's running totals, in the agent's colour."""

    DEFAULT_CSS = """
    AgentPanel {
        height: auto;
        border: round $primary;
        border-title-color: $primary;
        border-title-style: bold;
        padding: 0 1;
    }
    AgentPanel.agent_b { border: round $secondary; border-title-color: $secondary; }
    """

    def __init__(self, agent_id: AgentId) -> None:
        super().__init__(classes=agent_id, id=f"panel-{agent_id}")
        self.agent_id = agent_id

    def show_stats(self, stats: AgentStats | None) -> None:
        if stats is None:
            self.border_title = "Agent A" if self.agent_id == AgentId.A else "Agent B"
            self.update("[dim]no conversation[/dim]")
            return
        self.border_title = escape(stats.name)
        context = _percent(stats.context_pct)
        ttft = "–" if stats.ttft_ms is None else f"{stats.ttft_ms:,} ms"
        speed = "–" if stats.tokens_per_s is None else f"{stats.tokens_per_s:,.1f} tok/s"
        cost = format_cost(stats.cost_usd, stats.unpriced)
        self.update(
            f"[dim]{escape(stats.model)}[/dim]\n"
            f"tokens in  [b]{format_tokens(stats.input_tokens)}[/b]\n"
            f"tokens out [b]{format_tokens(stats.output_tokens)}[/b]\n"
            f"cost       [b]{cost}[/b]\n"
            f"context    [b]{context}[/b]\n"
            f"TTFT       [b]{ttft}[/b]\n"
            f"speed      [b]{speed}[/b]")


def _percent(value: float | None) -> str:
    if value is None:
        return "–"
    if 0 < value < 0.1:
        return "<0.1%"
    return f"{value:.1f}%"

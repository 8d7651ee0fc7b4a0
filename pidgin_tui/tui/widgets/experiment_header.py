"""The experiment line: name, progress of conversations, tokens, cost and elapsed time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import ProgressBar, Static

from pidgin_tui.tui.state import ExperimentState
from pidgin_tui.views.format import format_clock, format_cost, format_tokens


class ExperimentHeader(Horizontal):
    """Shows one experiment's totals; updated from the store on a timer."""

    DEFAULT_CSS = """
    ExperimentHeader { height: 1; background: $boost; padding: 0 1; }
    ExperimentHeader > #experiment-name { width: auto; max-width: 40; text-style: bold;
                                          margin-right: 2; }
    ExperimentHeader > ProgressBar { width: auto; margin-right: 2; }
    ExperimentHeader > ProgressBar > Bar { width: 20; }
    ExperimentHeader > #experiment-stats { width: 1fr; }
    """

    def compose(self) -> ComposeResult:
        yield Static("no experiment running", id="experiment-name")
        yield ProgressBar(total=1, show_eta=False, show_percentage=False)
        yield Static("", id="experiment-stats")

    def show_experiment(self, experiment: ExperimentState | None, now: float) -> None:
        name = self.query_one("#experiment-name", Static)
        stats = self.query_one("#experiment-stats", Static)
        bar = self.query_one(ProgressBar)
        if experiment is None:
            name.update("no experiment running")
            stats.update("")
            bar.update(total=1, progress=0)
            return
        title = f"{escape(experiment.name)} [dim]{experiment.experiment_id}[/dim]"
        if title != name.content:
            name.update(title)
        bar.update(total=max(1, experiment.total), progress=experiment.done)
        cost = format_cost(experiment.cost_usd, experiment.unpriced)
        text = (f"{experiment.done}/{experiment.total} conversations · "
                f"{format_tokens(experiment.tokens)} tokens · {cost} · "
                f"{format_clock(experiment.elapsed_s(now))} · {experiment.status}")
        if text != stats.content:
            stats.update(text, layout=False)  # the rest of the line, whatever it says

"""MetricsScreen: a metric plotted over turns, one line per conversation plus their mean."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, Select, Static
from textual_plotext import PlotextPlot

from pidgin_tui.experiments.metric_series import MetricSeries, experiment_jsonl_paths, read_series
from pidgin_tui.tui.widgets.top_bar import TopBar

MAX_LINES = 24
"""Conversations drawn individually; beyond this only the mean and the first ones are drawn."""


class MetricsScreen(Screen[None]):
    """Metrics of one conversation (`paths` = its JSONL) or a whole experiment (`paths` None)."""

    CSS_PATH = "metrics.tcss"
    BINDING_GROUP_TITLE = "Metrics"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Back", tooltip="Close the plot", id="metrics.close"),
        Binding("m", "next_metric", "Next metric", tooltip="Plot the next metric",
                id="metrics.next"),
    ]

    @dataclass
    class Loaded(Message):
        """The worker read the metric series."""

        series: MetricSeries

    def __init__(self, experiment_dir: Path, paths: list[Path] | None = None,
                 metric: str | None = None) -> None:
        super().__init__()
        self.experiment_dir = experiment_dir
        self.paths = paths
        self.metric = metric
        self.series: MetricSeries | None = None

    def compose(self) -> ComposeResult:
        scope = "conversation" if self.paths and len(self.paths) == 1 else "experiment"
        yield TopBar("Metrics")
        yield Static(f"Metrics of the {scope} in {self.experiment_dir.name}", id="metrics-title",
                     markup=False)
        yield Select[str]([], prompt="metric", id="metrics-select", allow_blank=True)
        yield PlotextPlot(id="metrics-plot")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="metrics-load", exit_on_error=False)
    def load(self) -> None:
        paths = self.paths or experiment_jsonl_paths(self.experiment_dir)
        self.post_message(self.Loaded(read_series(paths)))

    def on_metrics_screen_loaded(self, message: Loaded) -> None:
        self.series = message.series
        names = message.series.metric_names
        select = self.query_one("#metrics-select", Select)
        select.set_options([(name, name) for name in names])
        if names:
            self.metric = self.metric if self.metric in names else names[0]
            select.value = self.metric
        self.draw()

    @on(Select.Changed, "#metrics-select")
    def _metric_chosen(self, event: Select.Changed) -> None:
        if isinstance(event.value, str) and event.value != self.metric:
            self.metric = event.value
            self.draw()

    def action_next_metric(self) -> None:
        if self.series is None or not self.series.metric_names:
            return
        names = self.series.metric_names
        index = names.index(self.metric) + 1 if self.metric in names else 0
        self.query_one("#metrics-select", Select).value = names[index % len(names)]

    def draw(self) -> None:
        plot = self.query_one(PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        series, metric = self.series, self.metric
        if series is None or metric is None:
            plt.title("No per-turn metrics recorded yet")
            plot.refresh()
            return
        lines = series.lines(metric)
        for conv_id, (turns, values) in list(lines.items())[:MAX_LINES]:
            plt.plot(turns, values, label=conv_id if len(lines) <= 8 else None, marker="braille")
        if len(lines) > 1:
            turns, values = series.mean(metric)
            plt.plot(turns, values, label="mean", marker="hd")
        shown = min(len(lines), MAX_LINES)
        plt.title(f"{metric} over turns · {shown} of {len(lines)} conversations"
                  + (" + mean" if len(lines) > 1 else ""))
        plt.xlabel("turn")
        plot.refresh()

    def action_close(self) -> None:
        self.dismiss()

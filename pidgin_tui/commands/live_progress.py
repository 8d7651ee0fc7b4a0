"""The live progress display of a headless run on a terminal (rich, on stderr).

It shows the experiment's progress, one turn bar per conversation, tokens, cost, errors and ETA.
Every figure comes from the run's manifest as tracking keeps it in memory, through the same
`build_row` the monitor uses, so the two never disagree. Without a terminal on stderr, with `-q`
or with `--json`, runs print plain lines instead (`execution.attach_progress`).
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pidgin_tui.commands.requests import waiting_line
from pidgin_tui.core.events import ConversationPausedEvent
from pidgin_tui.core.types import FINAL_STATUSES, Status

if TYPE_CHECKING:
    from rich.console import RenderableType
    from rich.live import Live

    from pidgin_tui.core.bus import Subscription
    from pidgin_tui.core.events import Event
    from pidgin_tui.experiments.monitor_rows import ConversationRow, ExperimentRow
    from pidgin_tui.experiments.runner import ExperimentRunner

MAX_CONVERSATION_ROWS = 12
"""Conversations shown at once: the running ones first, then the most recently ended."""
REFRESH_PER_SECOND = 4


def wants_live_display(quiet: bool, json_output: bool, stream: TextIO | None = None) -> bool:
    """A live display only for a person watching a terminal."""
    stream = stream if stream is not None else sys.stderr
    return not quiet and not json_output and bool(getattr(stream, "isatty", lambda: False)())


class LiveProgress:
    """`with LiveProgress(runner):` around the run; the display ends with a final frame.

    Frames are drawn on the event loop that changes the manifest, so a frame never reads it
    half-updated: on the run's persisted events, and on a tick of the loop in between, which
    keeps the clock and the ETA moving while a long message is written (at most
    REFRESH_PER_SECOND frames a second). The display takes no live-only token chunks, so a run
    it shows builds none (see `EventBus.delivers_live`).
    """

    def __init__(self, runner: ExperimentRunner, stream: TextIO | None = None,
                 clock: Any = time.time) -> None:
        self.runner = runner
        self.stream = stream if stream is not None else sys.stderr
        self.clock = clock
        self._live: Live | None = None
        self._subscription: Subscription | None = None
        self._last_frame = 0.0
        self._tick: asyncio.TimerHandle | None = None

    def __enter__(self) -> LiveProgress:
        from rich.console import Console
        from rich.live import Live

        console = Console(file=self.stream, highlight=False)
        self._live = Live(get_renderable=self.render, console=console, auto_refresh=False,
                          transient=False)
        self._live.start(refresh=True)
        self._subscription = self.runner.bus.subscribe_persisted(self._on_event)
        return self

    def _on_event(self, event: Event) -> None:
        if isinstance(event, ConversationPausedEvent) and event.reason == "human" and \
                self._live is not None:
            self._live.console.print(waiting_line(event), markup=False, highlight=False)
        self._frame()
        if self._tick is None:  # the first event: the run's loop is running from here on
            self._schedule_tick()

    def _frame(self) -> None:
        now = time.monotonic()
        if self._live is not None and now - self._last_frame >= 1 / REFRESH_PER_SECOND:
            self._last_frame = now
            self._live.refresh()

    def _schedule_tick(self) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # an event published outside a loop: the next one schedules it
            return
        self._tick = loop.call_later(1 / REFRESH_PER_SECOND, self._on_tick)

    def _on_tick(self) -> None:
        if self._live is None:
            return
        self._frame()
        self._schedule_tick()

    def __exit__(self, *exc: object) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        if self._subscription is not None:
            self._subscription.cancel()
            self._subscription = None
        if self._live is not None:
            self._live.refresh()  # the final state stays on screen
            self._live.stop()
            self._live = None

    def row(self) -> ExperimentRow | None:
        from pidgin_tui.experiments.monitor_rows import build_row

        tracking = self.runner.tracking
        if tracking is None or self.runner.experiment_dir is None:
            return None
        return build_row(Path(self.runner.experiment_dir), tracking.manifest.data, {},
                         gone=False, now=self.clock())

    def render(self) -> RenderableType:
        from rich.text import Text

        row = self.row()
        if row is None:
            return Text(f"preparing {self.runner.spec.name}…")
        return render_row(row)


def render_row(row: ExperimentRow) -> RenderableType:
    """The experiment line, its overall bar, and a turn bar per conversation shown."""
    from rich.console import Group
    from rich.progress_bar import ProgressBar
    from rich.table import Table
    from rich.text import Text

    from pidgin_tui.core.safe_text import terminal_safe
    from pidgin_tui.views.format import format_cost, format_duration, format_tokens

    eta = format_duration(row.eta_s)
    head = Table.grid(padding=(0, 1))
    head.add_row(
        Text(terminal_safe(f"{row.name} [{row.experiment_id}]", single_line=True),
             style="bold"),
        ProgressBar(total=1.0, completed=row.progress, width=30),
        Text(f"{row.done}/{row.total} conversations · {row.turns} turns · "
             f"{format_tokens(row.tokens, compact=True)} tok · "
             f"{format_cost(row.cost_usd, row.unpriced)} · "
             f"{row.errors} errors · {format_duration(row.elapsed_s)} · eta {eta}"))
    table = Table.grid(padding=(0, 1))
    for conv in shown_conversations(row.conversations):
        convergence = "-" if conv.convergence is None else f"{conv.convergence:.2f}"
        detail: str = conv.end_reason or ""
        if conv.last_error:
            detail = f"{detail} {conv.last_error}".strip()
        table.add_row(
            Text(conv.conversation_id), Text(conv.status, style=_STATUS_STYLE.get(conv.status, "")),
            ProgressBar(total=float(conv.max_turns or 1), completed=float(conv.turns), width=20),
            Text(conv.turn_label),
            Text(f"{format_tokens(conv.tokens, compact=True)} tok"),
            Text(format_cost(conv.cost_usd, conv.unpriced)),
            Text(f"conv {convergence}"),
            Text(terminal_safe(detail, single_line=True)[:80], style="dim"))
    hidden = len(row.conversations) - min(len(row.conversations), MAX_CONVERSATION_ROWS)
    parts: list[RenderableType] = [head, table]
    if hidden:
        parts.append(Text(f"… {hidden} more conversations", style="dim"))
    return Group(*parts)


_STATUS_STYLE = {"running": "cyan", "completed": "green", "failed": "red",
                 "interrupted": "yellow", "paused": "yellow"}


def shown_conversations(conversations: list[ConversationRow]) -> list[ConversationRow]:
    """Running conversations first, then the ones that ended most recently, then the rest."""
    running = [c for c in conversations if c.status == Status.RUNNING]
    ended = [c for c in conversations if c.status in (*FINAL_STATUSES, Status.PAUSED)]
    waiting = [c for c in conversations if c not in running and c not in ended]
    return (running + ended[::-1] + waiting)[:MAX_CONVERSATION_ROWS]

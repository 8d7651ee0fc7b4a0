"""Running an experiment in the foreground: signals, post-processing, progress and the report.

Shared by `pidgin-tui run` and `pidgin-tui resume`.
"""

from __future__ import annotations

import argparse
import signal
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING, TextIO

from pidgin_tui.commands.output import EXIT_FAILED, EXIT_OK, error, say, say_json
from pidgin_tui.commands.requests import waiting_line
from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    ConversationEndEvent,
    ConversationPausedEvent,
    ConversationStartEvent,
    MessageCompleteEvent,
)
from pidgin_tui.core.types import Status
from pidgin_tui.experiments.runner import ExperimentResult, ExperimentRunner
from pidgin_tui.experiments.session import SIGNAL_EXIT_CODES, RunSession
from pidgin_tui.record.live_text import LiveTextWriter
from pidgin_tui.views.format import format_cost, format_tokens

if TYPE_CHECKING:
    from pidgin_tui.experiments.post_processor import PostProcessingResult

@dataclass(slots=True)
class Execution:
    result: ExperimentResult
    signal_received: signal.Signals | None
    post_processing: PostProcessingResult | None


async def execute(runner: ExperimentRunner, *, resume: bool, post_process: bool,
                  live_text: bool = False) -> Execution:
    """Run (or resume) to the end in a run session; SIGINT/SIGTERM and `pidgin-tui stop` end it
    as `interrupted` without losing data.

    Post-processing (import, transcripts, README, notebook) runs afterwards whatever the outcome,
    an interrupted run included. `live_text`: a detached run, followed from the disk by whoever
    started it, keeps its messages in progress there chunk by chunk (`record.live_text`).
    """
    session = RunSession("cli", post_process=post_process)
    writer = LiveTextWriter(lambda: runner.experiment_dir) if live_text else None
    if writer is not None:
        writer.attach(runner.bus)
    try:
        with session.signals():
            run = session.start(runner, resume=resume)
            await session.wait(run)
            if writer is not None:
                writer.close()  # the run ended: nothing is in progress any more
            processed = await session.drain()
    finally:
        if writer is not None:
            writer.close()
        session.close()
    if run.crash is not None:
        raise run.crash
    assert run.result is not None
    # a stop from another process ends a foreground run as SIGTERM did: exit 143
    stopped = signal.SIGTERM if run.stop_requested else None
    return Execution(run.result, session.signal_received or stopped,
                     processed[0] if processed else None)


def report(execution: Execution, args: argparse.Namespace, human: TextIO,
           extra: dict[str, object] | None = None) -> int:
    """Print the summary (JSON on stdout with --json, human text otherwise); the exit code."""
    result, processed = execution.result, execution.post_processing
    summary = {**result.summary(), **(extra or {})}
    if result.storage_error is not None:
        if args.json:
            say_json(summary)
        error(f"{result.storage_error}; the run stopped and sent no further requests. "
              f"Free space or fix the directory, then: pidgin-tui resume "
              f"{result.experiment_dir.name}")
        return EXIT_FAILED
    if processed is not None:
        summary["post_processing"] = {"succeeded": processed.succeeded,
                                      "failed": processed.failed}
    if args.json:
        say_json(summary)
    if not args.quiet:
        say(f"{result.status.value}: {summary['completed']} completed, {summary['failed']} "
            f"failed, {summary['interrupted']} interrupted · {summary['total_turns']} turns · "
            f"{format_tokens(int(str(summary['total_tokens'])))} tokens · "
            f"{format_cost(_cost_of(summary))}\n"
            f"tokens: {summary['input_tokens']} in, {summary['cache_read_tokens']} cache read, "
            f"{summary['cache_write_tokens']} cache write, {summary['output_tokens']} out "
            f"({summary['reasoning_tokens']} reasoning)\n{result.experiment_dir}",
            file=human)
        if processed is not None:
            failures = "".join(f"\n  {step} failed: {why}" for step, why in
                               processed.failed.items())
            say(f"post-processing: {len(processed.succeeded)} of "
                f"{len(processed.succeeded) + len(processed.failed)} steps ok{failures}",
                file=human)
    if execution.signal_received is not None:
        return SIGNAL_EXIT_CODES[execution.signal_received]
    return EXIT_FAILED if result.status is Status.FAILED else EXIT_OK


def _cost_of(summary: dict[str, object]) -> float | None:
    cost = summary.get("total_cost_usd")
    return float(cost) if isinstance(cost, int | float) else None


def progress_display(runner: ExperimentRunner, args: argparse.Namespace,
                     human: TextIO) -> AbstractContextManager[object]:
    """What a foreground run shows while it goes: a live display when a person watches stderr
    on a terminal; otherwise a plain line per conversation (none with -q)."""
    from pidgin_tui.commands.live_progress import LiveProgress, wants_live_display

    quiet, json_output = bool(args.quiet), bool(getattr(args, "json", False))
    if wants_live_display(quiet, json_output) and not getattr(args, "verbose", False):
        return LiveProgress(runner)
    if not quiet:
        attach_progress(runner.bus, human, verbose=getattr(args, "verbose", False))
    return nullcontext()


def attach_progress(bus: EventBus, out: TextIO, verbose: bool) -> None:
    """Print a line per conversation start and end (and per message when verbose)."""
    names: dict[tuple[str, str], str] = {}

    def on_start(event: ConversationStartEvent) -> None:
        names[(str(event.conversation_id), "agent_a")] = event.agent_a_name
        names[(str(event.conversation_id), "agent_b")] = event.agent_b_name
        say(f"▶ {event.conversation_id}: {event.agent_a_model} × {event.agent_b_model}, "
            f"{event.max_turns} turns", file=out, flush=True)

    def on_message(event: MessageCompleteEvent) -> None:
        name = names.get((str(event.conversation_id), event.agent_id), event.agent_id)
        say(f"  [{event.turn_number}] {name}: {event.content}", file=out, flush=True)

    def on_end(event: ConversationEndEvent) -> None:
        detail = f" ({event.error})" if event.error else ""
        say(f"■ {event.conversation_id}: {event.status}, {event.reason} after "
            f"{event.total_turns} turns{detail}", file=out, flush=True)

    def on_paused(event: ConversationPausedEvent) -> None:
        if event.reason == "human":
            say(waiting_line(event), file=out, flush=True)

    bus.subscribe(ConversationStartEvent, on_start)
    bus.subscribe(ConversationEndEvent, on_end)
    bus.subscribe(ConversationPausedEvent, on_paused)
    if verbose:
        bus.subscribe(MessageCompleteEvent, on_message)

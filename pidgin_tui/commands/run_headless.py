"""The body of `pidgin-tui run`: resolve the spec, run with signal handling, report."""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
from pathlib import Path
from typing import Any, TextIO

from pidgin_tui.cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error
from pidgin_tui.commands.run import INTERRUPT_GRACE_S, spec_overrides
from pidgin_tui.core.awareness import AwarenessError
from pidgin_tui.core.bus import EventBus
from pidgin_tui.core.events import (
    ConversationEndEvent,
    ConversationStartEvent,
    MessageCompleteEvent,
)
from pidgin_tui.core.types import Status
from pidgin_tui.experiments.runner import ExperimentResult, ExperimentRunner
from pidgin_tui.experiments.spec import ExperimentSpec, SpecError, load_spec_file, parse_spec
from pidgin_tui.paths import output_root
from pidgin_tui.providers.registry import UnknownModelError

SIGNAL_EXIT_CODES = {signal.SIGINT: 130, signal.SIGTERM: 143}


def resolve_spec(args: argparse.Namespace) -> ExperimentSpec:
    data: dict[str, Any] = load_spec_file(Path(args.spec)) if args.spec else {}
    for key, value in spec_overrides(args).items():
        for alias in [k for k in data if k != key and _canonical(k) == key]:
            data.pop(alias)  # a flag overrides the file, whichever spelling the file used
        data[key] = value
    return parse_spec(data)


def _canonical(key: str) -> str:
    from pidgin_tui.experiments.spec import canonical_key

    return canonical_key(key)


def describe_plan(spec: ExperimentSpec, runner: ExperimentRunner) -> dict[str, Any]:
    models = {a.value: m for a, m in runner.models.items()}
    return {
        "name": spec.name,
        "agent_a": models["agent_a"].ref, "agent_b": models["agent_b"].ref,
        "conversations": spec.repetitions, "max_turns": spec.max_turns,
        "requests": spec.repetitions * spec.max_turns * 2,
        "max_parallel": spec.max_parallel, "first_speaker": spec.first_speaker,
        "awareness_a": spec.resolved_awareness("agent_a"),
        "awareness_b": spec.resolved_awareness("agent_b"),
        "temperature_a": spec.resolved_temperature("agent_a"),
        "temperature_b": spec.resolved_temperature("agent_b"),
        "convergence": f"{spec.convergence_action} at {spec.convergence_threshold} "
                       f"({spec.convergence_profile})" if spec.convergence_threshold is not None
                       else "off",
        "output_root": str(runner.output_root),
        "prompt": spec.prompt,
        **_cost_estimate(spec, models),
    }


def _cost_estimate(spec: ExperimentSpec, models: dict[str, Any]) -> dict[str, Any]:
    """The dry-run estimate: history re-sent every request, over turns and repetitions."""
    from pidgin_tui.providers.estimate import estimate_experiment

    estimate = estimate_experiment(
        models["agent_a"], models["agent_b"], spec.max_turns, spec.repetitions, spec.prompt,
        max_output_tokens=(spec.max_output_tokens, spec.max_output_tokens))
    return {"estimated_input_tokens": estimate.input_tokens,
            "estimated_output_tokens": estimate.output_tokens,
            "estimated_cost_usd": round(estimate.cost_usd, 4) if estimate.cost_usd is not None
            else "unpriced", "estimate": estimate.describe()}


def run_from_args(args: argparse.Namespace, human: TextIO) -> int:
    try:
        spec = resolve_spec(args)
        runner = ExperimentRunner(spec, output_root(getattr(args, "output", None)),
                                  experiment_id=getattr(args, "experiment_id", None))
        for agent in ("agent_a", "agent_b"):
            from pidgin_tui.core.awareness import load_awareness
            from pidgin_tui.core.types import AgentId

            load_awareness(spec.resolved_awareness(agent), AgentId(agent))
    except (SpecError, UnknownModelError, AwarenessError) as exc:
        error(str(exc))
        return EXIT_USAGE
    plan = describe_plan(spec, runner)
    if args.dry_run:
        if args.json:
            print(json.dumps({"dry_run": True, **plan}, ensure_ascii=False))
        else:
            width = max(map(len, plan))
            for key, value in plan.items():
                print(f"{key:<{width}}  {value}", file=human)
        return EXIT_OK
    if not _local_models_ready(runner, args, human):
        return EXIT_FAILED
    if getattr(args, "detach", False):
        return _detach(args, runner, human)
    if not args.quiet:
        attach_progress(runner.bus, human, verbose=args.verbose)
    try:
        result, received = asyncio.run(_run_with_signals(runner, resume=False))
    finally:
        if getattr(args, "experiment_id", None):
            from pidgin_tui.experiments.daemon import remove_pid_file

            remove_pid_file(runner.output_root, runner.experiment_id)
    return report(result, received, args, human)


def report(result: ExperimentResult, received: signal.Signals | None, args: argparse.Namespace,
           human: TextIO) -> int:
    """Print the summary (JSON and/or human) and return the exit code."""
    summary = result.summary()
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
    if not args.quiet:
        cost = summary["total_cost_usd"]
        cost_text = "unpriced" if cost is None else f"${cost:.4f}"
        print(f"{result.status.value}: {summary['completed']} completed, {summary['failed']} "
              f"failed, {summary['interrupted']} interrupted · {summary['total_turns']} turns · "
              f"{summary['total_tokens']} tokens · {cost_text}\n{result.experiment_dir}",
              file=human)
    if received is not None:
        return SIGNAL_EXIT_CODES[received]
    return EXIT_FAILED if result.status is Status.FAILED else EXIT_OK


def _local_models_ready(runner: ExperimentRunner, args: argparse.Namespace,
                        human: TextIO) -> bool:
    """Ollama models: start the server and pull missing models, each only with consent."""
    if not any(m.provider == "ollama" for m in runner.models.values()):
        return True
    from pidgin_tui.providers.ollama_setup import (
        OllamaNotReady,
        prepare_ollama_models,
        terminal_consent,
    )

    try:
        asyncio.run(prepare_ollama_models(runner.models.values(),
                                          terminal_consent(getattr(args, "yes", False)),
                                          lambda line: print(line, file=human, flush=True)))
    except OllamaNotReady as exc:
        error(f"{exc} (or pass --yes to consent)")
        return False
    return True


def _detach(args: argparse.Namespace, runner: ExperimentRunner, human: TextIO) -> int:
    """Start the same run in a new session and report where it writes."""
    from pidgin_tui.experiments.daemon import start_detached

    started = start_detached(args, runner.experiment_id, runner.output_root)
    if started.exit_code not in (None, 0):
        error(f"the detached run exited with code {started.exit_code}; see {started.log_path}")
        return EXIT_FAILED
    directory = started.experiment_dir or runner.output_root / "experiments"
    if args.json:
        print(json.dumps({"experiment_id": started.experiment_id, "pid": started.pid,
                          "experiment_dir": str(directory), "log": str(started.log_path)}))
    else:
        print(f"started {started.experiment_id} (pid {started.pid})\n{directory}\n"
              f"log: {started.log_path}\nstop it with: pidgin-tui stop {started.experiment_id}",
              file=human)
    return EXIT_OK


async def _run_with_signals(runner: ExperimentRunner, resume: bool
                            ) -> tuple[ExperimentResult, signal.Signals | None]:
    loop = asyncio.get_running_loop()
    received: list[signal.Signals] = []

    def on_signal(signum: signal.Signals) -> None:
        if received:
            runner.cancel_in_flight()  # a second signal: stop waiting for safe points
            return
        received.append(signum)
        runner.interrupt()
        loop.call_later(INTERRUPT_GRACE_S, runner.cancel_in_flight)

    for signum in SIGNAL_EXIT_CODES:
        loop.add_signal_handler(signum, on_signal, signum)
    try:
        result = await (runner.resume() if resume else runner.run())
    finally:
        for signum in SIGNAL_EXIT_CODES:
            loop.remove_signal_handler(signum)
    return result, (received[0] if received else None)


def attach_progress(bus: EventBus, out: TextIO, verbose: bool) -> None:
    names: dict[tuple[str, str], str] = {}

    def on_start(event: ConversationStartEvent) -> None:
        names[(str(event.conversation_id), "agent_a")] = event.agent_a_name
        names[(str(event.conversation_id), "agent_b")] = event.agent_b_name
        print(f"▶ {event.conversation_id}: {event.agent_a_model} × {event.agent_b_model}, "
              f"{event.max_turns} turns", file=out, flush=True)

    def on_message(event: MessageCompleteEvent) -> None:
        name = names.get((str(event.conversation_id), event.agent_id), event.agent_id)
        print(f"  [{event.turn_number + 1}] {name}: {event.content}", file=out, flush=True)

    def on_end(event: ConversationEndEvent) -> None:
        detail = f" ({event.error})" if event.error else ""
        print(f"■ {event.conversation_id}: {event.status}, {event.reason} after "
              f"{event.total_turns} turns{detail}", file=out, flush=True)

    bus.subscribe(ConversationStartEvent, on_start)
    bus.subscribe(ConversationEndEvent, on_end)
    if verbose:
        bus.subscribe(MessageCompleteEvent, on_message)

"""The body of `pidgin-tui run`: resolve the spec, run with signal handling, report."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from pidgin_tui.commands.execution import execute, progress_display, report
from pidgin_tui.commands.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error, say, say_json
from pidgin_tui.commands.run_flags import child_arguments, spec_overrides
from pidgin_tui.core.awareness import AwarenessError
from pidgin_tui.core.types import AgentId
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import ExperimentSpec, SpecError, load_spec_file, parse_spec
from pidgin_tui.paths import output_root
from pidgin_tui.providers.registry import UnknownModelError

if TYPE_CHECKING:
    from pidgin_tui.providers.estimate import Estimate


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
    """The dry run's plan and estimate. A branch's plan leads with its lineage; its figures count
    only the turns it will send: the turns it copies from its parent show apart, as inherited."""
    models = {a.value: m for a, m in runner.models.items()}
    source = runner.branch
    inherited = source.turn if source is not None else 0
    cost = _cost_estimate(spec, models, inherited)
    lineage = {} if source is None else {
        "parent_experiment": source.parent_experiment_id,
        "parent_conversation": source.parent_conversation_id, "branch_turn": source.turn,
        "branches": spec.repetitions, "changes": source.changes}
    return {
        **lineage,
        "name": spec.name,
        "agent_a": models["agent_a"].ref, "agent_b": models["agent_b"].ref,
        "conversations": spec.repetitions, "max_turns": spec.max_turns,
        **({"inherited_turns": f"1-{inherited} (copied from the parent, not sent)"}
           if inherited else {}),
        "requests": cost.pop("requests"),
        "max_parallel": spec.max_parallel, "first_speaker": spec.first_speaker,
        "awareness_a": spec.resolved_awareness(AgentId.A),
        "awareness_b": spec.resolved_awareness(AgentId.B),
        "temperature_a": spec.resolved_temperature(AgentId.A),
        "temperature_b": spec.resolved_temperature(AgentId.B),
        "convergence": f"{spec.convergence_action} at {spec.convergence_threshold} "
                       f"({spec.convergence_profile})" if spec.convergence_threshold is not None
                       else "off",
        "output_root": str(runner.output_root),
        "prompt": spec.prompt,
        **cost,
    }


def _cost_estimate(spec: ExperimentSpec, models: dict[str, Any],
                   inherited_turns: int) -> dict[str, Any]:
    """The dry-run estimate: history re-sent every request, over turns and repetitions."""
    from pidgin_tui.providers.estimate import estimate_experiment

    estimate = estimate_experiment(
        models["agent_a"], models["agent_b"], spec.max_turns, spec.repetitions, spec.prompt,
        max_output_tokens=(spec.max_output_tokens, spec.max_output_tokens),
        inherited_turns=inherited_turns)
    return {"requests": estimate.requests,
            "estimated_input_tokens": estimate.input_tokens,
            "estimated_output_tokens": estimate.output_tokens,
            "estimated_cost_usd": round(estimate.cost_usd, 4) if estimate.cost_usd is not None
            else "unpriced", "estimate": estimate_line(estimate)}


def estimate_line(estimate: Estimate) -> str:
    """The dry run's one-line estimate: requests, tokens, cost (or which model is unpriced)."""
    from pidgin_tui.views.format import format_cost, format_duration, format_tokens

    cost = f"unpriced ({', '.join(estimate.unpriced_models)})" if estimate.cost_usd is None \
        else f"~{format_cost(estimate.cost_usd)}"
    return (f"{estimate.requests:,} requests, ~{format_tokens(estimate.input_tokens)} input + "
            f"~{format_tokens(estimate.output_tokens)} output tokens, cost {cost}, "
            f"~{format_duration(estimate.rough_duration_s)} if run one at a time")


def run_from_args(args: argparse.Namespace, human: TextIO) -> int:
    try:
        spec = resolve_spec(args)
        runner = ExperimentRunner(spec, output_root(getattr(args, "output", None)),
                                  experiment_id=getattr(args, "experiment_id", None))
        for agent in AgentId:
            from pidgin_tui.core.awareness import load_awareness

            load_awareness(spec.resolved_awareness(agent), agent)
    except (SpecError, UnknownModelError, AwarenessError) as exc:
        error(str(exc))
        return EXIT_USAGE
    return launch(runner, args, human)


def launch(runner: ExperimentRunner, args: argparse.Namespace, human: TextIO,
           detached: tuple[str, list[str]] | None = None) -> int:
    """Check, then dry-run or execute `runner` and report (shared by `run` and `branch`).

    With `--detach`, the same command runs in the background: `detached` is its (command,
    arguments), by default `run` with this run's spec and flags. A detached child stops the
    Ollama servers handed over to it however it ends."""
    try:
        return _launch(runner, args, human, detached or ("run", child_arguments(args)))
    finally:
        handed_over: list[int] = getattr(args, "stop_ollama_pid", None) or []
        if handed_over:
            from pidgin_tui.providers.ollama_setup import stop_handed_over

            stop_handed_over(handed_over, lambda line: say(line, file=sys.stderr, flush=True))


def _launch(runner: ExperimentRunner, args: argparse.Namespace, human: TextIO,
            detached: tuple[str, list[str]]) -> int:
    from pidgin_tui.experiments.param_check import (
        check_parameters,
        launch_refusals,
        launch_warnings,
        unpriced_budget_issues,
    )

    spec = runner.spec

    issues = check_parameters(runner)
    unpriced = unpriced_budget_issues(runner)
    plan = describe_plan(spec, runner)
    if issues or unpriced:
        plan["parameter_warnings"] = launch_warnings(runner)
    if args.dry_run:
        if args.json:
            say_json({"dry_run": True, **plan})
        else:
            width = max(map(len, plan))
            for key, value in plan.items():
                say(f"{key:<{width}}  {value}", file=human)
        return EXIT_OK
    for issue in issues:
        if not issue.refuse or spec.allow_ignored_params:
            say(f"warning: {issue.message}", file=sys.stderr)
    refused = launch_refusals(runner, issues)
    if refused:
        for line in refused:
            error(line)
        return EXIT_USAGE
    missing = _missing_key(runner)
    if missing:
        error(missing)  # before anything is created: a run that cannot send a request
        return EXIT_USAGE
    servers = _local_models_ready(runner, args, human)
    if servers is None:
        return EXIT_FAILED
    if getattr(args, "detach", False):
        return _detach(args, runner, human, servers, detached)
    try:
        with progress_display(runner, args, human):
            outcome = asyncio.run(execute(
                runner, resume=False, post_process=not args.no_post_process,
                live_text=bool(getattr(args, "experiment_id", None))))  # a detached child
    except OSError as exc:  # the experiment directory could not even be created
        error(f"cannot write {exc.filename or runner.output_root}: {exc.strerror or exc}")
        return EXIT_FAILED
    finally:
        _stop_started_servers(servers, args)
        if getattr(args, "experiment_id", None):
            from pidgin_tui.experiments.daemon import remove_pid_file

            remove_pid_file(runner.output_root, runner.experiment_id)
    return report(outcome, args, human)


def _missing_key(runner: ExperimentRunner) -> str | None:
    """The one-line error for the first model whose provider has no key, if any."""
    from pidgin_tui.config import missing_key_message, settings
    from pidgin_tui.providers.listing import key_status

    for info in runner.models.values():
        usable, _why = key_status(info.provider, settings())
        if not usable:
            return missing_key_message(info.ref, info.provider, settings().path)
    return None


def _local_models_ready(runner: ExperimentRunner, args: argparse.Namespace,
                        human: TextIO) -> list[Any] | None:
    """Ollama models: start the server and pull missing models, each only with consent.

    Returns the servers started for this run (to stop when it ends), or None when a model
    cannot be served. Questions and progress go to stderr, so stdout stays clean for `--json`.
    """
    if not any(m.provider == "ollama" for m in runner.models.values()):
        return []
    from pidgin_tui.providers.ollama_setup import (
        OllamaNotReady,
        prepare_ollama_models,
        terminal_consent,
    )

    try:
        return asyncio.run(prepare_ollama_models(
            runner.models.values(), terminal_consent(getattr(args, "yes", False)),
            lambda line: say(line, file=sys.stderr, flush=True),
            keep_server=getattr(args, "keep_ollama", False)))
    except OllamaNotReady as exc:
        _stop_started_servers(exc.started_servers, args, failed=True)
        consent_helps = not str(exc).startswith("Ollama is not installed")
        error(f"{exc} (or pass --yes to consent)" if consent_helps else str(exc))
        return None


def _stop_started_servers(servers: list[Any], args: argparse.Namespace, *,
                          failed: bool = False) -> None:
    """The run is over: stop the Ollama servers this process started for it, unless
    `--keep-ollama` (a run that failed to start stops them anyway)."""
    if not servers:
        return
    from pidgin_tui.providers.ollama_setup import stop_servers

    def report(line: str) -> None:
        say(line, file=sys.stderr, flush=True)

    if getattr(args, "keep_ollama", False) and not failed:
        for server in servers:
            report(f"the Ollama server started for this run keeps running (--keep-ollama, "
                   f"pid {server.pid}); stop it with `kill {server.pid}`")
        return
    stop_servers(servers, report)


def _detach(args: argparse.Namespace, runner: ExperimentRunner, human: TextIO,
            servers: list[Any], child: tuple[str, list[str]]) -> int:
    """Start the same run in a new session and report where it writes.

    An Ollama server started for the run is handed over to the detached run, which stops it
    when it ends (unless `--keep-ollama`)."""
    from pidgin_tui.experiments.daemon import run_command, start_detached

    keep = getattr(args, "keep_ollama", False)
    subcommand, arguments = child[0], list(child[1])
    if not keep:
        for server in servers:
            arguments += ["--stop-ollama-pid", str(server.pid)]
    root, experiment_id = runner.output_root, runner.experiment_id
    started = start_detached(arguments, experiment_id, root,
                             command=run_command(root, experiment_id, arguments, subcommand),
                             into=runner.experiment_dir if runner.into_existing else None)
    if started.exit_code not in (None, 0):
        _stop_started_servers(servers, args, failed=True)
        error(f"the detached run exited with code {started.exit_code}; see {started.log_path}")
        return EXIT_FAILED
    for server in servers:
        say(f"the Ollama server started for this run (pid {server.pid}) "
            + (f"keeps running after it (--keep-ollama); stop it with `kill {server.pid}`"
               if keep else "is stopped when the detached run ends"), file=sys.stderr)
    directory = started.experiment_dir or runner.output_root / "experiments"
    conversations = runner.planned_ids()
    if args.json:
        say_json({"experiment_id": started.experiment_id, "pid": started.pid,
                  "experiment_dir": str(directory), "log": str(started.log_path),
                  "conversations": conversations})
    else:
        added = f" (adds {', '.join(conversations)})" if runner.into_existing else ""
        say(f"started {started.experiment_id}{added} (pid {started.pid})\n{directory}\n"
            f"log: {started.log_path}\nstop it with: pidgin-tui stop {started.experiment_id}",
            file=human)
    return EXIT_OK

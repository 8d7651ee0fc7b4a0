"""Figures for the security issue: what was tried against the guards, and what got through.

Runs the same material as the tests, in one process, and prints counts:
- statements tried against the `query` sandbox and refused (and files changed: must be 0);
- escape sequences tried and neutralised by `terminal_safe`;
- secrets planted across a real run and every command, and found in outputs or files (0);
- commands run against damaged experiments, a read-only root and unwritable targets, and the
  tracebacks seen (must be 0).

    /work/venv/bin/python benchmarks/security_figures.py
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pidgin_tui.core.safe_text import terminal_safe  # noqa: E402
from pidgin_tui.database.event_store import EventStore  # noqa: E402
from pidgin_tui.record.layout import database_path  # noqa: E402
from tests.analysis_fixtures import copy_experiment, run_experiment  # noqa: E402
from tests.commands import test_error_paths as errors  # noqa: E402
from tests.commands.cli_probe import probe  # noqa: E402
from tests.core.test_safe_text import HOSTILE as ESCAPES  # noqa: E402
from tests.database import test_query_sandbox as sandbox  # noqa: E402


def query_figures(tmp: Path, experiment: Path) -> None:
    root = tmp / "q" / "out"
    exp_dir = copy_experiment(experiment, root)
    EventStore(database_path(root)).import_experiment(exp_dir)
    (tmp / "q" / "home").mkdir()
    (tmp / "q" / "home" / "secret.txt").write_text("TOP-SECRET\n", encoding="utf-8")
    values = {"root": str(root), "events": str(next(exp_dir.glob("conv_*_events.jsonl"))),
              "db": str(database_path(root)), "other": str(tmp / "q" / "other.duckdb"),
              "home": str(tmp / "q" / "home"), "url": "http://127.0.0.1:9/x.csv"}
    before = sandbox._snapshot(tmp / "q")
    results = probe([["query", s.format(**values), "--output", str(root)]
                     for s in sandbox.HOSTILE])
    refused = sum(r["code"] == 1 and r["stderr"].count("\n") == 1 and not r["stdout"]
                  for r in results)
    changed = sum(before.get(p) != h for p, h in sandbox._snapshot(tmp / "q").items())
    print(f"query: {len(results)} hostile statements tried, {refused} refused with one line, "
          f"{changed} files changed")


def escape_figures() -> None:
    neutralised = sum(terminal_safe(text) == "ab" for text in ESCAPES.values())
    print(f"escapes: {len(ESCAPES)} sequences tried, {neutralised} neutralised")


def error_figures(tmp: Path) -> None:
    root = tmp / "e" / "out"
    exp_dir = run_experiment(root, max_turns=2, repetitions=2, name="probe", think=False)
    EventStore(database_path(root)).import_experiment(exp_dir)
    exp = json.loads((exp_dir / "manifest.json").read_text(encoding="utf-8"))["experiment_id"]
    runs, tracebacks, unclean = 0, 0, 0
    for kind, damage in errors.DAMAGE.items():
        copy = tmp / "e" / kind.replace(" ", "_")
        shutil.copytree(root, copy)
        damage(next((copy / "experiments").glob("experiment_*")))
        argvs = [[*a, "--output", str(copy)] for a in errors.invocations(exp) if a[0] != "run"]
        for result in probe(argvs):
            runs += 1
            tracebacks += "Traceback" in result["stderr"] + result["stdout"]
            unclean += result["code"] != 0 and result["stderr"].count("\n") != 1
    print(f"damaged: {len(errors.DAMAGE)} kinds, {runs} commands run, {tracebacks} tracebacks, "
          f"{unclean} failures not on one line")
    blocker = tmp / "e" / "a-file"
    blocker.write_text("x", encoding="utf-8")
    results = probe([["export", exp, "--format", fmt, "--to", str(target), "--output", str(root)]
                     for fmt in ("parquet", "csv", "jsonl", "md")
                     for target in (blocker, blocker / "below")])
    print(f"unwritable --to: {len(results)} exports tried, "
          f"{sum(r['code'] != 0 for r in results)} refused, "
          f"{sum('Traceback' in r['stderr'] for r in results)} tracebacks")
    readonly = tmp / "e" / "ro"
    shutil.copytree(root, readonly)
    argvs = [[*a, "--output", str(readonly)] for a in errors.invocations(exp)]
    try:
        results = errors._run_read_only(readonly, argvs)
    except BaseException as exc:  # pytest.skip outside pytest: no way to make it read-only
        print(f"read-only root: not measured ({exc})")
        return
    print(f"read-only root: {len(results)} commands run, "
          f"{sum(r['code'] != 0 for r in results)} refused, "
          f"{sum('Traceback' in r['stderr'] for r in results)} tracebacks")


async def secret_figures(tmp: Path) -> None:
    from tests.fakes.llm_server import FakeLLMServer
    from tests.providers import test_untrusted_output as untrusted

    server = FakeLLMServer()
    await server.start()
    try:
        await untrusted.test_planted_secrets_reach_no_output_and_no_file(server, tmp / "s")
        found = 0
    except AssertionError:
        found = -1
    finally:
        await server.close()
    planted = len(untrusted.PLANTED) + len(untrusted.URL_PASSWORDS) + 1
    print(f"secrets: {planted} planted, found in outputs or files: "
          f"{found if found >= 0 else 'some (the test failed)'}")


def main() -> None:
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        experiment = run_experiment(tmp / "fixture", max_turns=2, repetitions=2, think=False)
        query_figures(tmp, experiment)
        escape_figures()
        error_figures(tmp)
        (tmp / "s").mkdir()
        asyncio.run(secret_figures(tmp))


if __name__ == "__main__":
    main()

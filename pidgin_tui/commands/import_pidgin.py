"""`pidgin-tui import-pidgin DIR…`: convert upstream Pidgin 1.x experiments into ours."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pidgin_tui.record.upstream import UpstreamExperiment

NAME = "import-pidgin"
HELP = ("convert upstream Pidgin 1.x experiment folders into new experiments (the source is "
        "only read)")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sources", metavar="DIR", nargs="+",
                        help="an upstream experiment folder, a folder of them, or upstream's "
                        "output root (pidgin_output)")
    parser.add_argument("--no-post-process", action="store_true",
                        help="skip the database import, transcripts, README and notebook")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object on stdout; human output goes to stderr")


def run(args: argparse.Namespace) -> int:
    import asyncio
    import json
    import sys

    from pidgin_tui.commands.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import experiments_dir
    from pidgin_tui.record.upstream import find_upstream_experiments, read_upstream_experiment

    human = sys.stderr if args.json else sys.stdout
    root = output_root(getattr(args, "output", None))
    folders: list[Path] = []
    for source in args.sources:
        path = Path(source).expanduser().resolve()
        found = find_upstream_experiments(path) if path.is_dir() else []
        if not found:
            error(f"{source}: no upstream Pidgin experiment here (a folder with manifest.json "
                  "and events_conv_*.jsonl, or a folder of them)")
            return EXIT_USAGE
        if path.is_relative_to(experiments_dir(root).resolve()):
            error(f"{source}: inside this output root; import from the upstream folder instead")
            return EXIT_USAGE
        folders += [f for f in found if f not in folders]
    results = []
    failed = False
    for folder in folders:
        upstream = read_upstream_experiment(folder)
        imported = asyncio.run(_import_one(upstream, root, not args.no_post_process))
        entry, ok = imported
        failed = failed or not ok
        results.append(entry)
        conversations, turns = entry["conversations"], entry["turns"]
        print(f"imported {entry['name']} ({entry['source_experiment_id']}) as "
              f"{entry['experiment_id']}: {conversations} conversation"
              f"{'' if conversations == 1 else 's'}, {turns} turn{'' if turns == 1 else 's'}\n"
              f"  {entry['experiment_dir']}\n  not recorded upstream: "
              + "; ".join(entry["missing"]), file=human)
        for problem in entry["problems"]:
            print(f"  skipped: {problem}", file=human)
    if args.json:
        print(json.dumps({"imported": results, "output_root": str(root)}, ensure_ascii=False))
    return EXIT_FAILED if failed else EXIT_OK


async def _import_one(upstream: UpstreamExperiment, root: Path, post_process: bool
                      ) -> tuple[dict[str, Any], bool]:
    from pidgin_tui.core.bus import EventBus
    from pidgin_tui.experiments.upstream_import import convert
    from pidgin_tui.record.layout import database_path

    imported = await convert(upstream, root)
    ok = True
    steps: dict[str, object] = {}
    if post_process:
        from pidgin_tui.experiments.post_processor import run_post_processing

        processed = await run_post_processing(imported.experiment_dir, database_path(root),
                                              EventBus())
        ok = not processed.failed
        steps = {"succeeded": processed.succeeded, "failed": processed.failed}
    return {"source": str(imported.source), "name": upstream.name,
            "source_experiment_id": upstream.experiment_id,
            "experiment_id": imported.experiment_id,
            "experiment_dir": str(imported.experiment_dir),
            "conversations": imported.conversations, "turns": imported.turns,
            "missing": imported.missing, "problems": imported.problems,
            "post_processing": steps}, ok

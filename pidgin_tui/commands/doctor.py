"""`pidgin-tui doctor [EXPERIMENT]`: what is damaged, and what resume and import would do."""

from __future__ import annotations

import argparse

from pidgin_tui.commands.experiment_arg import add_experiment_argument

NAME = "doctor"
HELP = "check experiments for damage and say what resume and import would do (reads only)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_experiment_argument(parser, optional=True, when_omitted="default: every one")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object: output_root, experiments")


def run(args: argparse.Namespace) -> int:
    import json

    from pidgin_tui.commands.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE, error
    from pidgin_tui.core.safe_text import terminal_safe
    from pidgin_tui.experiments.checkup import check
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import ExperimentNotFound, experiment_dirs
    from pidgin_tui.record.lookup import resolve_experiment

    root = output_root(getattr(args, "output", None))
    try:
        dirs = [resolve_experiment(root, args.experiment)] if args.experiment \
            else experiment_dirs(root)
    except ExperimentNotFound as exc:
        error(str(exc))
        return EXIT_USAGE
    checkups = [check(path, root) for path in dirs]
    if args.json:
        print(json.dumps({"output_root": str(root),
                          "experiments": [c.as_dict() for c in checkups]}, ensure_ascii=False))
    elif not checkups:
        print(f"no experiments in {root / 'experiments'}")
    for checkup in [] if args.json else checkups:
        print(f"{checkup.diagnosis.experiment_dir.name}: {checkup.verdict}")
        for line in checkup.diagnosis.damage:
            print(f"  damaged: {terminal_safe(line, single_line=True)}")
        for report in checkup.diagnosis.torn:
            print(f"  torn: {report.path.name} ends in {report.torn_bytes} bytes of a cut line")
        for line in checkup.resume:
            print(f"  resume would: {terminal_safe(line, single_line=True)}")
        print(f"  import would: {checkup.import_}")
    return EXIT_FAILED if any(c.damaged for c in checkups) else EXIT_OK

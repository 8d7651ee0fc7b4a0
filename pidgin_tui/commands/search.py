"""`pidgin-tui search "QUERY"`: ranked messages of every experiment that match a query."""

from __future__ import annotations

import argparse

NAME = "search"
HELP = 'search every message: words, "a phrase", prefix* (OR and NOT work between terms)'


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("query", metavar="QUERY")
    parser.add_argument("--experiment", metavar="EXPERIMENT",
                        help="only this experiment (id, id prefix, name or directory)")
    parser.add_argument("--model", metavar="MODEL",
                        help="only conversations with a model whose name contains MODEL")
    parser.add_argument("--thinking", action="store_true", help="search thinking too")
    parser.add_argument("--limit", type=int, default=50, metavar="N",
                        help="at most N results (default 50)")
    parser.add_argument("--json", action="store_true", help="print one JSON object: query, total, "
                        "ranked, hits")


def run(args: argparse.Namespace) -> int:
    import json

    from pidgin_tui.commands.output import EXIT_USAGE, error
    from pidgin_tui.core.safe_text import terminal_safe
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import ExperimentNotFound
    from pidgin_tui.record.lookup import resolve_experiment
    from pidgin_tui.search.index import refresh
    from pidgin_tui.search.query import QueryError, search

    root = output_root(getattr(args, "output", None))
    try:
        experiment = resolve_experiment(root, args.experiment) if args.experiment else None
        refresh(root, None if experiment is None else [experiment])
        results = search(root, args.query, experiment_dir=experiment, model=args.model,
                      thinking=args.thinking, limit=max(1, args.limit))
    except (ExperimentNotFound, QueryError) as exc:
        error(str(exc))
        return EXIT_USAGE
    if args.json:
        print(json.dumps({"query": args.query, "total": results.total,
                          "ranked": results.ranked,
                          "hits": [hit.to_json() for hit in results.hits]}, ensure_ascii=False))
        return 0
    print(terminal_safe(results.describe(args.query), single_line=True))
    for hit in results.hits:
        print(terminal_safe(f"{hit.experiment_name} [{hit.experiment_id}] · "
                            f"{hit.conversation_id} · turn {hit.turn} · {hit.agent_name} "
                            f"({hit.model})", single_line=True))
        print(f"    {hit.plain_snippet()}")
    return 0

"""`pidgin-tui index`: rebuild the full-text search index of the output root."""

from __future__ import annotations

import argparse

NAME = "index"
HELP = "rebuild the full-text search index from every experiment's JSONL"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    del parser  # no options: a rebuild reads everything


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.paths import output_root
    from pidgin_tui.record.layout import search_index_path
    from pidgin_tui.search.index import rebuild

    root = output_root(getattr(args, "output", None))
    report = rebuild(root)
    print(f"{report.summary()} → {search_index_path(root)}")
    for problem in report.problems:
        print(f"  skipped: {problem}")
    return 0

"""`pidgin-tui models`: the models the registry knows."""

from __future__ import annotations

import argparse
import json

NAME = "models"
HELP = "list available models"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.providers.registry import default_registry

    models = default_registry().list_models()
    rows = [{"model": m.ref, "aliases": list(m.aliases), "context_window": m.context_window,
             "description": m.description} for m in models]
    if args.json:
        print(json.dumps(rows))
        return 0
    width = max(len(r["model"]) for r in rows)
    for row in rows:
        aliases = ", ".join(row["aliases"])
        suffix = f"  [{aliases}]" if aliases else ""
        print(f"{row['model']:<{width}}  {row['description']}{suffix}")
    return 0

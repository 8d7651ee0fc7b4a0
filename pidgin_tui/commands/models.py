"""`pidgin-tui models`: the models the registry knows, with prices and key status.

A running Ollama server's local models are listed too (a short probe of OLLAMA_HOST).
"""

from __future__ import annotations

import argparse

from pidgin_tui.cli import say, say_json

NAME = "models"
HELP = "list available models, their prices and whether each key is set"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--no-ollama", action="store_true",
                        help="do not ask a local Ollama server for its models")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.providers.listing import models_table, prices_as_of
    from pidgin_tui.providers.registry import default_registry

    registry = default_registry()
    if not args.no_ollama:
        import asyncio

        from pidgin_tui.providers.ollama_setup import add_local_models

        asyncio.run(add_local_models(registry))
    rows = models_table(registry)
    if args.json:
        say_json({"prices_as_of": prices_as_of(), "models": rows})
        return 0
    width = max(len(r["ref"]) for r in rows)
    price_width = max(len(r["price"]) for r in rows)
    for row in rows:
        aliases = ", ".join(row["aliases"])
        suffix = f"  [{aliases}]" if aliases else ""
        context = f"{row['context_window'] // 1000}k ctx"
        key = "" if row["key"] == "no key needed" else f"  key {row['key']}"
        flag = "  (deprecated)" if row.get("deprecated") else ""
        say(f"{row['ref']:<{width}}  {row['price']:<{price_width}}  {context:>9}{key}"
            f"{suffix}{flag}")
    say(f"\nprices in USD per 1M tokens, as of {prices_as_of()}; "
        "`unpriced` models show no cost")
    return 0

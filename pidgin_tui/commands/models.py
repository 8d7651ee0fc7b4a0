"""`pidgin-tui models`: the models the registry knows, with prices and key status.

A running Ollama server's local models are listed too (a short probe of OLLAMA_HOST).
"""

from __future__ import annotations

import argparse
from typing import Any

from pidgin_tui.commands.output import say, say_json

NAME = "models"
HELP = "list available models, their prices and whether each key is set"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--no-ollama", action="store_true",
                        help="do not ask a local Ollama server for its models")
    parser.add_argument("--prices", action="store_true",
                        help="print the price table (every bucket and tier) with its date")


def run(args: argparse.Namespace) -> int:
    from pidgin_tui.providers.listing import models_table, prices_as_of
    from pidgin_tui.providers.registry import default_registry

    if args.prices:
        return _print_prices(args.json)
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


def _print_prices(as_json: bool) -> int:
    """The price table as data: date, source, and each model's buckets and long-context tier."""
    from pidgin_tui.providers.pricing import price_table

    table = price_table()
    rows = [{"ref": ref, **price_row(price)} for ref, price in sorted(table.models.items())]
    rows += [{"ref": f"{name}:*", **price_row(price)}
             for name, price in sorted(table.providers.items())]
    if as_json:
        say_json({"prices_as_of": table.as_of, "source": table.source,
                  "unit": "USD per 1M tokens", "models": rows})
        return 0
    say(f"prices as of {table.as_of} · USD per 1M tokens · {table.source}")
    width = max(len(r["ref"]) for r in rows)
    for row in rows:
        cells = "  ".join(f"{k} {_money(row[k])}" for k in ("input", "output", "cache_read",
                                                             "cache_write"))
        tier = row.get("long_context")
        extra = "" if tier is None else (f"  above {tier['above']:,} prompt tokens: "
                                         f"in {_money(tier['input'])} out {_money(tier['output'])}")
        flag = "  (your override)" if row["ref"] in table.overridden else ""
        say(f"{row['ref']:<{width}}  {cells}{extra}{flag}")
    return 0


def price_row(price: object) -> dict[str, Any]:
    from pidgin_tui.providers.pricing import Price

    assert isinstance(price, Price)
    row: dict[str, object] = {"input": price.input, "output": price.output,
                              "cache_read": price.cache_read, "cache_write": price.cache_write}
    if price.long_context is not None:
        above, tier = price.long_context
        row["long_context"] = {"above": above, "input": tier.input, "output": tier.output,
                               "cache_read": tier.cache_read}
    return row


def _money(value: object) -> str:
    return "-" if value is None else f"${value:g}"

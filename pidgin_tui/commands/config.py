"""`pidgin-tui config`: where the config file is and what the effective settings are."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pidgin_tui.config import Settings

NAME = "config"
HELP = "show the effective configuration (keys redacted) or where config.toml is read from"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--show", action="store_true",
                       help="print the effective configuration as TOML (also what `config` "
                       "alone does)")
    group.add_argument("--path", action="store_true", help="print the config file's path only")
    parser.add_argument("--json", action="store_true", help="print the configuration as JSON")


def run(args: argparse.Namespace) -> int:
    import json

    import tomli_w

    from pidgin_tui.config import settings

    current = settings()
    if args.path:
        print(current.path)
        return 0
    view = effective_config(current)
    if args.json:
        print(json.dumps(view, ensure_ascii=False))
        return 0
    exists = current.path is not None and current.path.exists()
    print(f"# {current.path} ({'read' if exists else 'not found: defaults'})")
    print(f"# every setting is described in docs/config.md\n{tomli_w.dumps(view)}", end="")
    return 0


def effective_config(current: Settings) -> dict[str, Any]:
    """What runs use: file values over defaults, environment over file; no secret in it.

    A key shows only where it comes from; a base URL loses any password or token in it.
    """
    from pidgin_tui.config import BASE_URL_ENV_VARS, DEFAULT_CONCURRENCY, KEY_ENV_VARS
    from pidgin_tui.core.redact import redact_url

    keys = {provider: f"set (from {source})" if (source := current.key_source(provider))
            else "not set" for provider in KEY_ENV_VARS}
    base_urls = {provider: redact_url(url) for provider in BASE_URL_ENV_VARS
                 if (url := current.base_url(provider))}
    view: dict[str, Any] = {
        "keys": keys,
        "concurrency": {"default": DEFAULT_CONCURRENCY, **current.concurrency},
        "timeouts": {"first_token_s": current.timeouts.first_token_s or 0,
                     "total_s": current.timeouts.total_s or 0},
        "retry": {"budget_minutes": current.retry_budget_minutes},
        "base_urls": base_urls,
        "prices": current.prices,
    }
    view["ollama"] = {"max_num_ctx": current.ollama_max_num_ctx}
    if current.capabilities:
        view["capabilities"] = current.capabilities
    if current.google_api_version:
        view["google"] = {"api_version": current.google_api_version}
    if current.endpoints:
        view["endpoints"] = {name: {
            "kind": endpoint.kind, "base_url": redact_url(endpoint.base_url),
            **({"key_env": endpoint.key_env,
                "key": "set" if current.key_source(name) else "not set"}
               if endpoint.key_env else {}),
            **({"models": list(endpoint.models)} if endpoint.models else {}),
        } for name, endpoint in current.endpoints.items()}
    return view


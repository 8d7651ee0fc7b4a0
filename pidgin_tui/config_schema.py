"""Which tables and keys `config.toml` may hold; a typo is an error with a suggestion.

Values are checked where they are parsed (`config.parse_settings` and the modules that own
`[endpoints.*]` and `[keymap]`); this module only rejects names nobody reads, the way a spec
rejects unknown keys. docs/config.md documents every entry and a test keeps the two in step.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from pidgin_tui.config import BASE_URL_ENV_VARS, KEY_ENV_VARS, ConfigError

_PROVIDERS: frozenset[str] = frozenset({*KEY_ENV_VARS, *BASE_URL_ENV_VARS, "local"})

FIXED_TABLES: dict[str, frozenset[str]] = {
    "keys": frozenset(KEY_ENV_VARS),
    "timeouts": frozenset({"first_token_s", "total_s"}),
    "retry": frozenset({"budget_minutes"}),
    "base_urls": frozenset(BASE_URL_ENV_VARS),
    "google": frozenset({"api_version"}),
    "ollama": frozenset({"max_num_ctx"}),
}
"""Tables whose keys are a fixed set."""

OPEN_TABLES: frozenset[str] = frozenset({"prices", "capabilities", "concurrency", "endpoints",
                                        "keymap"})
"""Tables whose keys are names the user chooses: model refs (`prices`, `capabilities`),
providers or endpoint names (`concurrency`), endpoint names (`endpoints`, one sub-table each)
and app actions (`keymap`). Their owners check the names they understand."""

TABLES: frozenset[str] = frozenset({*FIXED_TABLES, *OPEN_TABLES})


def _unknown(path: Path, where: str, name: str, known: Iterable[str]) -> ConfigError:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return ConfigError(f"{path}: {where}{name}: unknown key{hint}")


def check_names(data: Mapping[str, Any], path: Path) -> None:
    """Raise ConfigError for the first table or key in the document that nothing reads."""
    for table, body in data.items():
        if table not in TABLES:
            raise _unknown(path, "", table, TABLES)
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: {table} must be a table ([{table}])")
        if table in FIXED_TABLES:
            for key in body:
                if key not in FIXED_TABLES[table]:
                    raise _unknown(path, f"{table}.", key, FIXED_TABLES[table])
    endpoints = data.get("endpoints", {})
    for name, body in endpoints.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{path}: endpoints.{name} must be a table ([endpoints.{name}])")
    known_limits = {"default", *_PROVIDERS, *endpoints}
    for name in data.get("concurrency", {}):
        if name not in known_limits:
            raise _unknown(path, "concurrency.", name, known_limits)

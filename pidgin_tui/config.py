"""User settings: a TOML file in the config directory; API keys come from the environment first.

Every table and key is documented in docs/config.md; unknown names are rejected
(`check_names`).

```toml
[keys]                       # used only when the environment variable is not set
anthropic = "..."
[prices."openai:gpt-5"]      # USD per 1M tokens; overrides the shipped price table
input = 1.25
output = 10.0
cache_read = 0.125
[concurrency]                # maximum requests in flight per provider, process-wide
default = 8
anthropic = 4
[timeouts]
first_token_s = 120          # until the first text or thinking chunk
total_s = 600                # for the whole response
[retry]
budget_minutes = 10          # give up retrying after this long
adaptive_concurrency = true  # halve a provider's in-flight limit on 429/529, regrow on success
[base_urls]                  # used when the standard environment variable is not set
openai = "http://127.0.0.1:4000/v1"
[google]
api_version = "v1beta"       # or "v1"
[ollama]
max_num_ctx = 32768          # cap on the context window sent as num_ctx
[capabilities."ollama:qwen3:0.6b"]   # what the app cannot know about an uncatalogued model
thinking = true              # it takes a thinking switch (--think)
context_window = 40960
[endpoints.openrouter]       # a named endpoint: models are `openrouter:<id>`
kind = "openai"              # or "ollama"
base_url = "https://openrouter.ai/api/v1"
key_env = "OPENROUTER_API_KEY"
models = ["meta-llama/llama-3.3-70b-instruct"]
```
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pidgin_tui.core.redact import register_secret, url_secrets

CONFIG_FILE_NAME = "config.toml"

KEY_ENV_VARS: dict[str, tuple[str, ...]] = {
    "anthropic": ("ANTHROPIC_API_KEY",),
    "openai": ("OPENAI_API_KEY",),
    "google": ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
    "xai": ("XAI_API_KEY",),
}
"""Where each provider's key is looked up, in order; Ollama and local models need none."""

BASE_URL_ENV_VARS: dict[str, str] = {
    "anthropic": "ANTHROPIC_BASE_URL",
    "openai": "OPENAI_BASE_URL",
    "google": "GOOGLE_GEMINI_BASE_URL",
    "xai": "XAI_BASE_URL",
    "ollama": "OLLAMA_HOST",
}
DEFAULT_BASE_URLS: dict[str, str] = {
    "xai": "https://api.x.ai/v1",
    "ollama": "http://localhost:11434",
}
DEFAULT_CONCURRENCY = 8
DEFAULT_OLLAMA_NUM_CTX_CAP = 32_768
CAPABILITY_KEYS: dict[str, type] = {"thinking": bool, "context_window": int,
                                    "max_output_tokens": int}


class ConfigError(ValueError):
    """The config file exists but cannot be used; the message names the file and the problem."""


ENDPOINT_KINDS = ("openai", "ollama")
ENDPOINT_KEYS = frozenset({"kind", "base_url", "key_env", "models"})
_ENDPOINT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(slots=True, frozen=True)
class Endpoint:
    """One `[endpoints.NAME]` table: another OpenAI-compatible or Ollama server, whose models
    are referred to as `NAME:<model id>`."""

    name: str
    kind: str
    """`openai` (Chat Completions) or `ollama` (`/api/chat`)."""
    base_url: str
    """May hold credentials: shown only through `core.redact.redact_url`."""
    key_env: str | None = None
    """The environment variable holding its key; None: it takes no key."""
    models: tuple[str, ...] = ()
    """Model ids listed by `models` and the setup form; any other id works too."""


# Which tables and keys `config.toml` may hold; a typo is an error with a suggestion. Values are
# checked where they are parsed (`parse_settings` and the modules that own `[endpoints.*]` and
# `[keymap]`); `check_names` only rejects names nobody reads, the way a spec rejects unknown
# keys. docs/config.md documents every entry and a test keeps the two in step.

_PROVIDERS: frozenset[str] = frozenset({*KEY_ENV_VARS, *BASE_URL_ENV_VARS, "local"})

FIXED_TABLES: dict[str, frozenset[str]] = {
    "keys": frozenset(KEY_ENV_VARS),
    "timeouts": frozenset({"first_token_s", "total_s"}),
    "retry": frozenset({"budget_minutes", "adaptive_concurrency"}),
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


def config_dir() -> Path:
    """The user config directory (`$PIDGIN_CONFIG_DIR`, else the platform's)."""
    from pidgin_tui.paths import config_dir as paths_config_dir

    return paths_config_dir()


def config_path() -> Path:
    return config_dir() / CONFIG_FILE_NAME


@dataclass(slots=True, frozen=True)
class Timeouts:
    first_token_s: float | None = 120.0
    total_s: float | None = 600.0


@dataclass(slots=True)
class Settings:
    """Parsed user settings; every field has a usable default when the file is absent."""

    keys: dict[str, str] = field(default_factory=dict, repr=False)
    prices: dict[str, dict[str, float]] = field(default_factory=dict)
    concurrency: dict[str, int] = field(default_factory=dict)
    timeouts: Timeouts = field(default_factory=Timeouts)
    retry_budget_minutes: float = 10.0
    adaptive_concurrency: bool = True
    base_urls: dict[str, str] = field(default_factory=dict)
    google_api_version: str | None = None
    ollama_max_num_ctx: int = DEFAULT_OLLAMA_NUM_CTX_CAP
    capabilities: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per model reference: `thinking`, `context_window`, `max_output_tokens` overrides."""
    keymap: dict[str, str] = field(default_factory=dict)
    """Binding id → keys (comma-separated) for the app; the app checks the ids."""
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    """`[endpoints.NAME]` tables by name."""
    path: Path | None = None

    def api_key(self, provider: str) -> str | None:
        """The key for a provider: its environment variables first, then the config file.
        An endpoint's key comes only from its `key_env` variable."""
        if provider in self.endpoints:
            return _endpoint_key(self.endpoints[provider])
        for var in KEY_ENV_VARS.get(provider, ()):
            value = os.environ.get(var, "").strip()
            if value:
                return value
        value = self.keys.get(provider, "").strip()
        return value or None

    def key_source(self, provider: str) -> str | None:
        """Where the key comes from (an env var name or `config`), None when it is missing."""
        if provider in self.endpoints:
            endpoint = self.endpoints[provider]
            return endpoint.key_env if _endpoint_key(endpoint) else None
        for var in KEY_ENV_VARS.get(provider, ()):
            if os.environ.get(var, "").strip():
                return var
        return "config" if self.keys.get(provider, "").strip() else None

    def base_url(self, provider: str) -> str | None:
        var = BASE_URL_ENV_VARS.get(provider)
        value = os.environ.get(var, "").strip() if var else ""
        return value or self.base_urls.get(provider) or DEFAULT_BASE_URLS.get(provider)

    def max_concurrent(self, provider: str) -> int:
        return max(1, int(self.concurrency.get(provider,
                                               self.concurrency.get("default",
                                                                    DEFAULT_CONCURRENCY))))

    @property
    def retry_budget_s(self) -> float:
        return self.retry_budget_minutes * 60.0


def _endpoint_key(endpoint: Endpoint) -> str | None:
    value = os.environ.get(endpoint.key_env, "").strip() if endpoint.key_env else ""
    register_secret(value)  # whatever the variable is called, its value is a secret
    return value or None


def needs_key(provider: str, config: Settings) -> bool:
    """Whether requests to `provider` (or endpoint) carry a key the user must supply."""
    if provider in config.endpoints:
        return config.endpoints[provider].key_env is not None
    return provider in KEY_ENV_VARS


def key_env_hint(provider: str) -> str:
    """The environment variable(s) a user should set for a provider, for messages."""
    endpoint = settings().endpoints.get(provider)
    if endpoint is not None:
        return endpoint.key_env or "no key needed"
    return " or ".join(KEY_ENV_VARS.get(provider, ())) or "no key needed"


def missing_key_message(ref: str, provider: str, path: Path | None = None) -> str:
    """The one line that says a model cannot run for want of a key, and where to put one."""
    if provider in settings().endpoints:
        return (f"{ref}: no API key: set {key_env_hint(provider)} "
                f"(endpoints.{provider}.key_env in {path or config_path()})")
    return (f"{ref}: no API key: set {key_env_hint(provider)}, or add {provider} = \"...\" "
            f"under [keys] in {path or config_path()}")


def _optional_seconds(value: Any, name: str, path: Path) -> float | None:
    if value is None or value == 0:
        return None  # 0 disables the timeout
    if not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{path}: timeouts.{name} must be a positive number of seconds")
    return float(value)


def parse_settings(data: dict[str, Any], path: Path) -> Settings:
    """Validate the TOML document's tables into Settings."""
    check_names(data, path)
    settings = Settings(path=path)
    settings.keys = {str(k): str(v) for k, v in data.get("keys", {}).items()}
    for key in settings.keys.values():
        register_secret(key)  # a key from the file is redacted like one from the environment
    for ref, table in data.get("prices", {}).items():
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: prices.{ref!r} must be a table of USD per 1M tokens")
        for bucket, value in table.items():
            if bucket not in ("input", "output", "cache_read", "cache_write"):
                raise ConfigError(f"{path}: prices.{ref!r}.{bucket} is not a known price "
                                  "(input, output, cache_read, cache_write)")
            if not isinstance(value, int | float) or value < 0:
                raise ConfigError(f"{path}: prices.{ref!r}.{bucket} must be a non-negative number")
        settings.prices[str(ref)] = {k: float(v) for k, v in table.items()}
    for provider, limit in data.get("concurrency", {}).items():
        if not isinstance(limit, int) or limit < 1:
            raise ConfigError(f"{path}: concurrency.{provider} must be a whole number ≥ 1")
        settings.concurrency[str(provider)] = limit
    timeouts = data.get("timeouts", {})
    settings.timeouts = Timeouts(
        first_token_s=_optional_seconds(timeouts.get("first_token_s", 120.0), "first_token_s",
                                        path),
        total_s=_optional_seconds(timeouts.get("total_s", 600.0), "total_s", path),
    )
    budget = data.get("retry", {}).get("budget_minutes", 10.0)
    if not isinstance(budget, int | float) or budget < 0:
        raise ConfigError(f"{path}: retry.budget_minutes must be a non-negative number")
    settings.retry_budget_minutes = float(budget)
    adaptive = data.get("retry", {}).get("adaptive_concurrency", True)
    if not isinstance(adaptive, bool):
        raise ConfigError(f"{path}: retry.adaptive_concurrency must be true or false")
    settings.adaptive_concurrency = adaptive
    settings.base_urls = {str(k): str(v) for k, v in data.get("base_urls", {}).items()}
    settings.google_api_version = data.get("google", {}).get("api_version")
    cap = data.get("ollama", {}).get("max_num_ctx", DEFAULT_OLLAMA_NUM_CTX_CAP)
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 256:
        raise ConfigError(f"{path}: ollama.max_num_ctx must be a whole number ≥ 256")
    settings.ollama_max_num_ctx = cap
    for ref, table in data.get("capabilities", {}).items():
        settings.capabilities[str(ref)] = parse_capabilities(table, f"capabilities.{ref!r}", path)
    for binding_id, keys in data.get("keymap", {}).items():
        if not isinstance(keys, str) or not keys.strip(" ,"):
            raise ConfigError(f"{path}: keymap.{binding_id} must be keys as a string, e.g. "
                              '"f12" or "ctrl+n,j"')
        settings.keymap[str(binding_id)] = keys
    for name, table in data.get("endpoints", {}).items():
        settings.endpoints[str(name)] = parse_endpoint(str(name), table, path)
    return settings


def parse_endpoint(name: str, table: dict[str, Any], path: Path) -> Endpoint:
    """One `[endpoints.NAME]` table; every problem is one line naming the key."""
    where = f"endpoints.{name}"
    if not _ENDPOINT_NAME.match(name) or name in _PROVIDERS:
        raise ConfigError(f"{path}: {where}: an endpoint needs a name of its own (letters, "
                          "digits, '-', '_', '.'), not a provider's")
    for key in table:
        if key not in ENDPOINT_KEYS:
            raise _unknown(path, f"{where}.", key, ENDPOINT_KEYS)
    kind = table.get("kind")
    if kind not in ENDPOINT_KINDS:
        raise ConfigError(f"{path}: {where}.kind must be \"openai\" or \"ollama\"")
    base_url = table.get("base_url")
    if not isinstance(base_url, str) or not base_url.strip():
        raise ConfigError(f"{path}: {where}.base_url must be the server's URL")
    key_env = table.get("key_env")
    if key_env is not None and (not isinstance(key_env, str) or not _ENV_NAME.match(key_env)):
        raise ConfigError(f"{path}: {where}.key_env must be the name of an environment variable")
    models = table.get("models", [])
    if not isinstance(models, list) or not all(isinstance(m, str) and m for m in models):
        raise ConfigError(f"{path}: {where}.models must be a list of model ids")
    for secret in url_secrets(base_url):
        register_secret(secret)  # a password in the URL is redacted like a key
    return Endpoint(name, str(kind), base_url.strip(), key_env, tuple(models))


def parse_capabilities(table: Any, where: str, path: Path) -> dict[str, Any]:
    """A table of capability overrides: `thinking` (bool), `context_window`, `max_output_tokens`."""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: {where} must be a table")
    for key, value in table.items():
        expected = CAPABILITY_KEYS.get(key)
        if expected is None:
            raise ConfigError(f"{path}: {where}.{key} is not a known capability "
                              f"({', '.join(CAPABILITY_KEYS)})")
        if expected is bool and not isinstance(value, bool):
            raise ConfigError(f"{path}: {where}.{key} must be true or false")
        if expected is int and (isinstance(value, bool) or not isinstance(value, int)
                                or value < 1):
            raise ConfigError(f"{path}: {where}.{key} must be a whole number ≥ 1")
    return dict(table)


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file; a missing file gives the defaults."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Settings(path=path)
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from None
    return parse_settings(data, path)


_SETTINGS: Settings | None = None


def settings() -> Settings:
    """The process-wide settings, read once."""
    global _SETTINGS
    if _SETTINGS is None:
        _SETTINGS = load_settings()
    return _SETTINGS


def reset_settings(value: Settings | None = None) -> None:
    """Replace (or forget) the process-wide settings; tests and the settings screen use this."""
    global _SETTINGS
    _SETTINGS = value

"""Adding a provider is one adapter module plus one row in the provider table.

The adapter here (tests/fakes/echo_provider.py) lives outside the package; its row is the only
other thing the test adds. Everything else — `models`, the settings' key and base-URL lookup,
`config`, the setup form's key status, the recorded versions and a whole run — reads the table.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from pidgin_tui import config
from pidgin_tui.commands.config import effective_config
from pidgin_tui.core import provider_table
from pidgin_tui.core.provider import ModelInfo, Provider
from pidgin_tui.core.provider_table import ProviderSpec, provider_specs
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.providers.listing import models_table
from pidgin_tui.providers.registry import default_registry, load_adapter, reset_default_registry
from pidgin_tui.providers.versions import recorded_versions
from pidgin_tui.record.manifest import read_manifest
from pidgin_tui.tui.estimate import key_status

ECHO = ProviderSpec(
    "echo", "Echo", "tests.fakes.echo_provider:EchoProvider",
    key_env_vars=("ECHO_API_KEY",), base_url_env_var="ECHO_BASE_URL",
    default_base_url="http://127.0.0.1:7/echo", aliases=("parrot",),
    sdk_distributions=("pytest",),
    models=(ModelInfo("echo", "echo-1", "Echo 1", 8_000, 512, False, (0.0, 1.0), ("echo",),
                      "Repeats its partner"),),
)


@pytest.fixture
def echo_row(monkeypatch: pytest.MonkeyPatch) -> Iterator[ProviderSpec]:
    monkeypatch.setattr(provider_table, "PROVIDERS", (*provider_table.PROVIDERS, ECHO))
    monkeypatch.delenv("ECHO_API_KEY", raising=False)
    monkeypatch.delenv("ECHO_BASE_URL", raising=False)
    reset_default_registry()
    yield ECHO
    reset_default_registry()


def test_models_lists_the_new_provider_with_its_key_status(echo_row: ProviderSpec,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    rows = {row["ref"]: row for row in models_table(default_registry())}
    assert rows["echo:echo-1"]["key"] == "missing: set ECHO_API_KEY"
    assert rows["echo:echo-1"]["aliases"] == ["echo"]
    assert key_status("echo") == (False, "missing: set ECHO_API_KEY")
    monkeypatch.setenv("ECHO_API_KEY", "sk-echo")
    rows = {row["ref"]: row for row in models_table(default_registry())}
    assert rows["echo:echo-1"]["key"] == "set (ECHO_API_KEY)"
    assert key_status("echo") == (True, "set (ECHO_API_KEY)")


def test_references_resolve_by_alias_prefix_and_any_id(echo_row: ProviderSpec) -> None:
    registry = default_registry()
    assert registry.resolve("echo").ref == "echo:echo-1"
    assert registry.resolve("parrot:echo-1").ref == "echo:echo-1"
    unlisted = registry.resolve("parrot:echo-2")
    assert (unlisted.ref, unlisted.context_window) == ("echo:echo-2", 128_000)


def test_config_reads_its_key_and_base_url(echo_row: ProviderSpec, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keys]\necho = "sk-from-file"\n[concurrency]\necho = 2\n')
    settings = config.load_settings(path)
    assert settings.api_key("echo") == "sk-from-file"
    assert settings.key_source("echo") == "config"
    assert settings.base_url("echo") == "http://127.0.0.1:7/echo"
    assert settings.max_concurrent("echo") == 2
    monkeypatch.setenv("ECHO_BASE_URL", "http://127.0.0.1:8/v1")
    assert settings.base_url("echo") == "http://127.0.0.1:8/v1"
    view = effective_config(settings)
    assert view["keys"]["echo"] == "set (from config)"
    assert view["base_urls"]["echo"] == "http://127.0.0.1:8/v1"


def test_a_key_for_an_unknown_provider_is_still_refused(echo_row: ProviderSpec,
                                                        tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text('[keys]\nech = "x"\n')
    with pytest.raises(config.ConfigError, match="did you mean 'echo'"):
        config.load_settings(path)


async def test_an_experiment_runs_through_it_and_records_it(
        echo_row: ProviderSpec, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ECHO_API_KEY", "sk-echo")
    spec = parse_spec({"agent_a": "echo", "agent_b": "local:instant", "max_turns": 2,
                       "repetitions": 1, "prompt": "hello there"})
    result = await ExperimentRunner(spec, tmp_path).run()
    assert result.summary()["completed"] == 1
    manifest = read_manifest(result.experiment_dir)
    assert manifest is not None
    (conversation,) = manifest.conversations.values()
    assert (conversation.status, conversation.turns_completed) == ("completed", 2)
    assert manifest.versions["sdks"]["echo"] == recorded_versions(["echo"])["sdks"]["echo"]
    assert set(manifest.versions["sdks"]["echo"]) == {"pytest"}
    events = "".join(p.read_text() for p in result.experiment_dir.glob("conv_*_events.jsonl"))
    assert "echo-1 heard:" in events


def test_every_row_names_an_adapter_that_implements_the_port() -> None:
    for spec in provider_specs():
        adapter = load_adapter(spec)()
        assert isinstance(adapter, Provider), spec.name
        assert adapter.name == spec.name, f"{spec.adapter} calls itself {adapter.name!r}"
        assert all(info.provider == spec.name for info in spec.models), spec.name
        module = importlib.import_module(spec.adapter.partition(":")[0])
        assert module.__name__.startswith("pidgin_tui.providers."), spec.adapter


def test_the_table_alone_names_a_provider_and_its_sdk() -> None:
    """No adapter class repeats its row's name or SDK modules: the row is their one owner."""
    for spec in provider_specs():
        adapter_class = type(load_adapter(spec)())
        for cls in adapter_class.__mro__:
            if cls.__module__.startswith("pidgin_tui."):
                assert not {"name", "sdk_modules"} & set(vars(cls)), cls.__qualname__


def test_no_prefix_names_two_providers() -> None:
    names = [spec.name for spec in provider_specs()]
    prefixes = names + [alias for spec in provider_specs() for alias in spec.aliases]
    assert len(prefixes) == len(set(prefixes)), "a prefix names two providers"

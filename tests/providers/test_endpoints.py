"""Named endpoints: `[endpoints.NAME]` in config.toml, used as `NAME:model`, through the real
SDK against the loopback fake; two endpoints of the same kind in one experiment."""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pytest

from pidgin_tui import config
from pidgin_tui.config import ConfigError, load_settings
from pidgin_tui.core.events import event_to_dict
from pidgin_tui.core.provider_table import provider_spec
from pidgin_tui.core.redact import redact_secrets
from pidgin_tui.experiments.runner import ExperimentRunner
from pidgin_tui.experiments.spec import parse_spec
from pidgin_tui.providers import registry as registry_module
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import MANIFEST_NAME
from tests.fakes.llm_server import FakeLLMServer, Reply
from tests.providers.test_commands import cli

GATEWAY_KEY = "sk-gateway-ONE-do-not-leak-4567"
OTHER_KEY = "sk-gateway-TWO-do-not-leak-8910"


def write_config(directory: Path, text: str) -> Path:
    path = directory / "config.toml"
    path.write_text(text)
    return path


def two_gateways(base: str) -> str:
    return (f'[endpoints.gw1]\nkind = "openai"\nbase_url = "{base}/v1"\n'
            f'key_env = "GW1_API_KEY"\nmodels = ["meta/llama-9"]\n\n'
            f'[endpoints.gw2]\nkind = "openai"\nbase_url = "{base}/xai/v1"\n'
            f'key_env = "GW2_API_KEY"\n\n'
            f'[endpoints.local-ollama]\nkind = "ollama"\nbase_url = "{base}"\n\n'
            '[prices."gw1:meta/llama-9"]\ninput = 1.0\noutput = 2.0\n')


def test_endpoints_are_parsed_and_their_models_resolve(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PIDGIN_CONFIG_DIR", str(tmp_path))
    write_config(tmp_path, two_gateways("http://127.0.0.1:9"))
    config.reset_settings()
    registry_module.reset_default_registry()
    registry = registry_module.default_registry()
    listed = registry.resolve("gw1:meta/llama-9")
    assert (listed.provider, listed.model_id) == ("gw1", "meta/llama-9")
    assert registry.resolve("gw2:any/model:tag").model_id == "any/model:tag"
    assert registry.resolve("local-ollama:qwen3:0.6b").provider == "local-ollama"
    assert "gw1:meta/llama-9" in {m.ref for m in registry.list_models()}


def test_an_endpoint_runs_through_its_kinds_row_and_records_that_sdk(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An endpoint's assumed limits, the SDK preloaded for it and the SDK version in the
    manifest are those of the row its kind names, recorded under the endpoint's own name."""
    monkeypatch.setenv("PIDGIN_CONFIG_DIR", str(tmp_path))
    write_config(tmp_path, two_gateways("http://127.0.0.1:9"))
    config.reset_settings()
    registry_module.reset_default_registry()
    registry = registry_module.default_registry()
    assert registry.sdk_modules(["gw1", "local-ollama", "gw2"]) == ["openai", "httpx"]
    openai_row = provider_spec("openai")
    assert openai_row is not None
    listed = registry.resolve("gw1:meta/llama-9")
    assert (listed.context_window, listed.max_output_tokens) == (
        openai_row.unlisted_context_window, openai_row.unlisted_max_output_tokens)
    spec = parse_spec({"agent_a": "gw1:meta/llama-9", "agent_b": "local-ollama:qwen3:0.6b",
                       "max_turns": 1, "name": "endpoints"})
    manifest = json.loads((ExperimentRunner(spec, tmp_path / "out", registry=registry).prepare()
                           / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["versions"]["sdks"] == {"gw1": {"openai": metadata.version("openai")},
                                            "local-ollama": {"httpx": metadata.version("httpx")}}


@pytest.mark.parametrize(("body", "problem"), [
    ('[endpoints.gw]\nbase_url = "http://127.0.0.1:1/v1"\n', "endpoints.gw.kind"),
    ('[endpoints.gw]\nkind = "grpc"\nbase_url = "http://127.0.0.1:1"\n', "endpoints.gw.kind"),
    ('[endpoints.gw]\nkind = "openai"\n', "endpoints.gw.base_url"),
    ('[endpoints.gw]\nkind = "openai"\nbase_url = "http://127.0.0.1:1"\nbase_ulr = 1\n',
     "did you mean 'base_url'"),
    ('[endpoints.openai]\nkind = "openai"\nbase_url = "http://127.0.0.1:1"\n',
     "endpoints.openai"),
    ('[endpoints.gw]\nkind = "openai"\nbase_url = "http://127.0.0.1:1"\nkey_env = "a b"\n',
     "endpoints.gw.key_env"),
    ('[endpoints.gw]\nkind = "openai"\nbase_url = "http://127.0.0.1:1"\nmodels = "x"\n',
     "endpoints.gw.models"),
])
def test_a_bad_endpoint_is_one_clear_error(tmp_path: Path, body: str, problem: str):
    with pytest.raises(ConfigError, match=problem.replace(".", r"\.").replace("'", "'")):
        load_settings(write_config(tmp_path, body))


async def test_two_endpoints_of_one_kind_in_one_experiment_through_the_real_sdk(
        fake_server: FakeLLMServer, tmp_path: Path):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    write_config(config_dir, two_gateways(fake_server.base))
    fake_server.add("openai", Reply(text="From gateway one."))
    fake_server.add("xai", Reply(text="From gateway two."))
    code, out, err = await cli(
        "run", "-a", "gw1:meta/llama-9", "-b", "gw2:mistral/small", "-t", "1", "--json",
        "--allow-unpriced", "--no-post-process", "--output", str(tmp_path / "out"),
        PIDGIN_CONFIG_DIR=str(config_dir), GW1_API_KEY=GATEWAY_KEY, GW2_API_KEY=OTHER_KEY)
    assert code == 0, err
    one, two = fake_server.of("openai")[-1], fake_server.of("xai")[-1]
    assert one.body["model"] == "meta/llama-9" and two.body["model"] == "mistral/small"
    assert one.headers["Authorization"] == f"Bearer {GATEWAY_KEY}"
    assert two.headers["Authorization"] == f"Bearer {OTHER_KEY}"
    lines = [event_to_dict(e) for path in (tmp_path / "out").rglob("conv_*_events.jsonl")
             for e in read_all_events(path).events]
    usage = [line for line in lines if line["event_type"] == "TokenUsageEvent"]
    assert [u["provider"] for u in usage] == ["gw1", "gw2"]
    assert usage[0]["cost_usd"] > 0 and usage[1].get("cost_usd") is None  # gw2 is unpriced
    on_disk = b"".join(p.read_bytes() for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert GATEWAY_KEY.encode() not in on_disk and OTHER_KEY.encode() not in on_disk


async def test_a_missing_endpoint_key_is_refused_before_anything_runs(
        fake_server: FakeLLMServer, tmp_path: Path):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    write_config(config_dir, two_gateways(fake_server.base))
    code, _out, err = await cli("run", "-a", "gw1:meta/llama-9", "-b", "local:instant", "-t",
                                "1", "--output", str(tmp_path / "out"),
                                PIDGIN_CONFIG_DIR=str(config_dir))
    assert code == 2 and "GW1_API_KEY" in err and "Traceback" not in err
    assert fake_server.of("openai") == []


async def test_config_show_masks_an_endpoint_password(tmp_path: Path):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    write_config(config_dir, '[endpoints.gw]\nkind = "openai"\n'
                             'base_url = "https://ada:pa55word-xyz@127.0.0.1:1/v1"\n')
    code, out, err = await cli("config", "--show", PIDGIN_CONFIG_DIR=str(config_dir))
    assert code == 0, err
    assert "pa55word-xyz" not in out and "ada:***@127.0.0.1:1/v1" in out
    assert redact_secrets(out) == out

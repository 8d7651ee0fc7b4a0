"""What a user sees from the CLI is inert and secret-free, while the record keeps exact bytes.

A model reply carrying OSC 52, a title change, clear screen, C1 controls and Rich markup goes
through a real run against the loopback fake (Ollama protocol) and then every reading command;
recognisable keys and URL passwords are planted in the environment and the config file, and
every output and every file written is searched for them.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.fakes.llm_server import FakeLLMServer, Fault, Reply
from tests.providers.test_commands import cli

HOSTILE = ("copy\x1b]52;c;cHduZWQ=\x07 title\x1b]0;owned\x1b\\ clear\x1b[2J\x1b[H "
           "c1\x9b31m bell\x07 [bold red]MARKUP[/bold red] end")
EVIL_NAME = "evil\x1b]0;T\x07[b]name"


def _controls(text: str) -> list[str]:
    return [hex(ord(c)) for c in text
            if (ord(c) < 0x20 and c not in "\n\t") or 0x7F <= ord(c) <= 0x9F]


def _strings(value: object) -> list[str]:
    """Every string inside decoded JSON."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


async def test_hostile_model_text_and_names_are_inert_on_every_output(
        fake_server: FakeLLMServer, tmp_path: Path) -> None:
    fake_server.add("ollama", *[Reply(text=HOSTILE) for _ in range(4)])
    out = str(tmp_path / "out")
    env = {"OLLAMA_HOST": fake_server.base}
    code, stdout, stderr = await cli(
        "run", "-a", "ollama:llama3.2", "-b", "ollama:llama3.2", "-t", "2", "-r", "1", "-v",
        "--name", EVIL_NAME, "--output", out, **env)
    assert code == 0, stderr
    assert "[bold red]MARKUP[/bold red]" in stdout
    outputs = [stdout, stderr]
    exp_dir = next((tmp_path / "out" / "experiments").glob("experiment_*"))
    exp = json.loads((exp_dir / "manifest.json").read_text(encoding="utf-8"))["experiment_id"]
    for args in (["transcript", exp, "1"], ["query", "SELECT content FROM messages"],
                 ["query", "SELECT * FROM experiments"], ["list"], ["show", exp],
                 ["monitor", "--once", "--conversations"], ["import", exp]):
        code, stdout, stderr = await cli(*args, "--output", out, **env)
        assert code == 0, (args, stderr)
        outputs += [stdout, stderr]
    for text in outputs:
        assert _controls(text) == []
    # JSON output escapes the controls and decodes to the exact reply and name.
    for args, expected in ((["query", "--json", "SELECT content FROM messages"], HOSTILE),
                           (["list", "--json"], EVIL_NAME), (["show", exp, "--json"], EVIL_NAME)):
        code, stdout, _ = await cli(*args, "--output", out, **env)
        assert code == 0 and _controls(stdout) == []
        assert expected in _strings(json.loads(stdout)), args
    # The record keeps the exact bytes.
    events = [json.loads(line) for path in exp_dir.glob("conv_*_events.jsonl")
              for line in path.read_text(encoding="utf-8").splitlines()]
    assert [e["content"] for e in events if e["event_type"] == "MessageCompleteEvent"] == \
        [HOSTILE] * 4


PLANTED = {
    "ANTHROPIC_API_KEY": "planted-anthropic-secret-0001",
    "OPENAI_API_KEY": "planted-openai-secret-0002",
    "GEMINI_API_KEY": "planted-gemini-secret-0003",
    "XAI_API_KEY": "planted-xai-secret-0004",
}
URL_PASSWORDS = ("PlantedOllamaPassw0rd", "PlantedBaseUrlPassw0rd")
CONFIG_KEY = "planted-config-file-secret-0005"


async def test_planted_secrets_reach_no_output_and_no_file(
        fake_server: FakeLLMServer, tmp_path: Path) -> None:
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    # A short retry budget: the OpenAI run points at a closed port and must give up quickly.
    (config_dir / "config.toml").write_text(
        f'[keys]\nanthropic = "{CONFIG_KEY}"\n\n[retry]\nbudget_minutes = 0.05\n',
        encoding="utf-8")
    host = fake_server.base.removeprefix("http://")
    env = {**PLANTED, "PIDGIN_CONFIG_DIR": str(config_dir),
           "OLLAMA_HOST": f"http://planted-user:{URL_PASSWORDS[0]}@{host}",
           "ANTHROPIC_BASE_URL": f"http://planted-user:{URL_PASSWORDS[1]}@{host}",
           "OPENAI_BASE_URL": f"http://planted-user:{URL_PASSWORDS[1]}@127.0.0.1:9/v1"}
    rejected = f"bad key {PLANTED['ANTHROPIC_API_KEY']}"
    fake_server.add("anthropic", Reply(fault=Fault(status=401, error_type="authentication_error",
                                                   message=rejected)))
    out = str(tmp_path / "out")
    runs = [["run", "-a", "ollama:llama3.2", "-b", "ollama:llama3.2", "-t", "2", "-v"],
            ["run", "-a", "anthropic:claude-sonnet-5", "-b", "local:instant", "-t", "1", "-v"],
            ["run", "-a", "openai:gpt-5", "-b", "local:instant", "-t", "1", "-v"],
            ["run", "-a", "ollama:llama3.2", "-b", "local:instant", "--dry-run"]]
    outputs: list[str] = []
    for args in runs:
        _, stdout, stderr = await cli(*args, "--output", out, **env)
        outputs += [stdout, stderr]
    exp = sorted((tmp_path / "out" / "experiments").glob("experiment_*"))[0].name
    for args in (["list"], ["list", "--json"], ["show", exp], ["show", exp, "--json"],
                 ["monitor", "--once", "--conversations"], ["monitor", "--json"],
                 ["import", "--all"], ["query", "SELECT * FROM events"],
                 ["export", exp, "--format", "jsonl"], ["export", exp, "--format", "md"],
                 ["transcript", exp], ["resume", exp], ["models"], ["models", "--json"],
                 ["config"], ["config", "--json"], ["stop", exp]):
        _, stdout, stderr = await cli(*args, "--output", out, **env)
        outputs += [stdout, stderr]
    secrets = [*PLANTED.values(), *URL_PASSWORDS, CONFIG_KEY]
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert len(written) > 10
    found = [(secret, where) for secret in secrets
             for where, text in [*((f"output {i}", o) for i, o in enumerate(outputs)),
                                 *((str(p), p.read_bytes().decode("utf-8", "replace"))
                                   for p in written)]
             if secret in text]
    assert found == []
    assert any("[redacted]" in o or "***" in o for o in outputs)  # the masks did appear

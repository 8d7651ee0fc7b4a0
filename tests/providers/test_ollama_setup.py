"""The Ollama flow with a fake `ollama` executable on PATH: detect, start, pull, chat, stop.

The fake `ollama serve` runs the loopback fake server on OLLAMA_HOST's port. A fake `curl` and
`sh` on PATH would record any attempt to run the official installer: none may happen.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pidgin_tui.core.provider import ChatMessage, ProviderRequest, TextChunk
from pidgin_tui.providers.ollama import OllamaProvider
from pidgin_tui.providers.ollama_setup import (
    OllamaNotReady,
    PullProgress,
    add_local_models,
    detect,
    ensure_model,
    install_plan,
    start_server,
    stop_servers,
    terminal_consent,
    wait_until_up,
)
from pidgin_tui.providers.registry import Registry

REPO = Path(__file__).resolve().parents[2]
FAKE_OLLAMA = f"""#!{sys.executable}
import asyncio, os, sys
sys.path.insert(0, {str(REPO)!r})
if sys.argv[1:] == ["serve"]:
    from tests.fakes.llm_server import serve_forever
    asyncio.run(serve_forever(int(os.environ["OLLAMA_HOST"].rsplit(":", 1)[1])))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Consent:
    def __init__(self, *answers: bool) -> None:
        self.answers = list(answers)
        self.questions: list[str] = []

    def __call__(self, question: str) -> bool:
        self.questions.append(question)
        return self.answers.pop(0)


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty directory that is the whole PATH, and OLLAMA_HOST on a free loopback port."""
    path = tmp_path / "bin"
    path.mkdir()
    monkeypatch.setenv("PATH", str(path))
    monkeypatch.setenv("OLLAMA_HOST", f"127.0.0.1:{free_port()}")
    return path


@pytest.fixture
def started() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Servers the tests start, stopped at the end by their own handles."""
    processes: list[subprocess.Popen[bytes]] = []
    yield processes
    for process in processes:
        process.terminate()
        process.wait(timeout=10)


def install_fake_ollama(bin_dir: Path) -> Path:
    path = bin_dir / "ollama"
    path.write_text(FAKE_OLLAMA)
    path.chmod(0o755)
    return path


async def chat(model: str) -> str:
    provider = OllamaProvider()
    request = ProviderRequest(model=model, system="", messages=[ChatMessage("user", "hi")])
    try:
        return "".join([c.text async for c in provider.stream(request)
                        if isinstance(c, TextChunk)])
    finally:
        await provider.aclose()


async def test_installed_but_stopped_server_is_started_then_the_model_pulled(
        bin_dir: Path, started: list):  # type: ignore[type-arg]
    binary = install_fake_ollama(bin_dir)
    status = await detect()
    assert not status.running and status.binary == str(binary)
    consent = Consent(True, True)
    progress: list[PullProgress] = []
    result = await ensure_model("llama3.2", consent, on_progress=progress.append)
    started.append(result.started)
    assert "not running" in consent.questions[0] and f"{binary} serve" in consent.questions[0]
    assert "'llama3.2' is not downloaded" in consent.questions[1]
    assert result.pulled
    fractions = [p.fraction for p in progress if p.fraction is not None]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0
    assert progress[-1].status == "success"
    assert await chat("llama3.2") == "Hello from the fake."
    registry = Registry()
    assert await add_local_models(registry) == ["llama3.2:latest"]
    assert registry.resolve("ollama:llama3.2:latest").provider == "ollama"


async def test_refusing_to_start_changes_nothing(bin_dir: Path):
    install_fake_ollama(bin_dir)
    consent = Consent(False)
    with pytest.raises(OllamaNotReady, match="ollama serve"):
        await ensure_model("llama3.2", consent)
    assert not (await detect()).running


async def test_refusing_the_pull_downloads_nothing(bin_dir: Path, started: list):  # type: ignore[type-arg]
    install_fake_ollama(bin_dir)
    consent = Consent(True, False)
    with pytest.raises(OllamaNotReady, match="ollama pull llama3.2") as caught:
        await ensure_model("llama3.2", consent)
    started.append(caught.value.started)
    assert (await detect()).running  # started with consent, but holds no model
    assert await add_local_models(Registry()) == []


def write_fake_installer(bin_dir: Path, tmp_path: Path) -> Path:
    """A fake `curl` printing an installer script that puts the fake `ollama` on PATH."""
    calls = tmp_path / "curl-calls.txt"
    installer = tmp_path / "installer.py"
    installer.write_text(
        "import pathlib\n"
        f"path = pathlib.Path({str(bin_dir / 'ollama')!r})\n"
        f"path.write_text({FAKE_OLLAMA!r})\n"
        "path.chmod(0o755)\n")
    curl = bin_dir / "curl"
    curl.write_text(f"#!{sys.executable}\nimport sys\n"
                    f"open({str(calls)!r}, 'a').write(' '.join(sys.argv[1:]) + '\\n')\n"
                    f"print('exec {sys.executable} {installer}')\n")
    curl.chmod(0o755)
    (bin_dir / "sh").symlink_to("/bin/sh")
    return calls


async def test_missing_ollama_is_never_installed_even_with_consent_to_everything(
        bin_dir: Path, tmp_path: Path):
    calls = write_fake_installer(bin_dir, tmp_path)
    plan = install_plan("linux")
    assert plan is not None and plan.command == "curl -fsSL https://ollama.com/install.sh | sh"
    consent = Consent(True, True, True)
    with pytest.raises(OllamaNotReady) as caught:
        await ensure_model("llama3.2", consent)
    assert consent.questions == []  # nothing to consent to: installing is the user's job
    assert f"install it yourself with `{plan.command}`" in str(caught.value)
    assert not calls.exists() and not (bin_dir / "ollama").exists()


async def test_a_host_with_credentials_is_never_shown_with_its_password(
        bin_dir: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("OLLAMA_HOST", f"http://ada:hunter2-secret@127.0.0.1:{free_port()}")
    install_fake_ollama(bin_dir)
    consent = Consent(False)
    with pytest.raises(OllamaNotReady) as caught:
        await ensure_model("llama3.2", consent)
    shown = consent.questions[0] + str(caught.value)
    assert "hunter2-secret" not in shown and "ada:***@127.0.0.1" in shown


def test_consent_prompts_go_to_stderr_and_yes_says_so(capsys: pytest.CaptureFixture[str]):
    assert terminal_consent(assume_yes=True)("Start it now?")
    out, err = capsys.readouterr()
    assert out == "" and "Start it now? yes (--yes)" in err


async def test_stop_servers_ends_only_the_servers_given_and_says_so(bin_dir: Path):
    binary = install_fake_ollama(bin_dir)
    host = (await detect()).host
    server = start_server(str(binary), host)
    try:
        assert await wait_until_up(host)
        lines: list[str] = []
        stop_servers([server], lines.append)
        assert server.poll() is not None
        assert lines == [f"stopping the Ollama server this run started (pid {server.pid})"]
        assert not (await detect()).running
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()


def test_install_plans_per_platform():
    assert install_plan("darwin", which=lambda name: "/opt/homebrew/bin/brew").command == \
        "brew install ollama"
    assert install_plan("darwin", which=lambda name: None) is None  # then: the download page
    assert install_plan("win32", which=lambda name: "winget.exe").command.startswith(
        "winget install")


async def test_run_with_yes_starts_ollama_says_so_on_stderr_and_stops_it_at_the_end(
        bin_dir: Path, tmp_path: Path):
    import json
    import os

    from tests.providers.test_commands import cli

    install_fake_ollama(bin_dir)
    host = os.environ["OLLAMA_HOST"]
    code, out, err = await cli(
        "run", "-a", "ollama:llama3.2", "-b", "local:instant", "-t", "1", "--yes", "--json",
        "--output", str(tmp_path / "out"), PATH=f"{bin_dir}{os.pathsep}/usr/bin:/bin",
        OLLAMA_HOST=host)
    assert code == 0, err
    json.loads(out)  # stdout holds the JSON summary and nothing else
    assert "not running" in err and "yes (--yes)" in err
    assert "stopping the Ollama server this run started (pid " in err
    assert not (await detect()).running  # nothing left behind


def _server_pid(err: str) -> int:
    import re

    found = re.search(r"Ollama server started for this run \(pid (\d+)\)", err) or \
        re.search(r"keeps running \(--keep-ollama, pid (\d+)\)", err)
    assert found, err
    return int(found.group(1))


async def _until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    for _ in range(1200):  # a guard against a hang, not a measurement
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"gave up waiting for {what}")


async def test_a_detached_run_stops_the_server_its_launcher_started_when_it_ends(
        bin_dir: Path, tmp_path: Path):
    import os

    from pidgin_tui.experiments.daemon import find_experiment_dir
    from pidgin_tui.record.layout import pid_file
    from tests.providers.test_commands import cli

    install_fake_ollama(bin_dir)
    host, out_root = os.environ["OLLAMA_HOST"], tmp_path / "out"
    code, out, err = await cli(
        "run", "-a", "ollama:llama3.2", "-b", "local:instant", "-t", "2", "--yes", "--detach",
        "--json", "--no-post-process", "--output", str(out_root),
        PATH=f"{bin_dir}{os.pathsep}/usr/bin:/bin", OLLAMA_HOST=host)
    assert code == 0, err
    experiment_id = json.loads(out)["experiment_id"]
    pid = _server_pid(err)
    assert "is stopped when the detached run ends" in err

    async def run_over() -> bool:
        return not pid_file(out_root, experiment_id).exists()

    await _until(run_over, "the detached run to end")
    assert not (await detect()).running  # the detached run stopped the launcher's server
    log = (out_root / "experiments" / "logs" / f"experiment_{experiment_id}.log").read_text()
    assert f"stopping the Ollama server started for this run (pid {pid})" in log
    assert find_experiment_dir(out_root, experiment_id) is not None


async def test_keep_ollama_leaves_the_server_running_after_the_run_and_says_how_to_stop_it(
        bin_dir: Path, tmp_path: Path):
    import os
    import signal

    from tests.providers.test_commands import cli

    install_fake_ollama(bin_dir)
    host = os.environ["OLLAMA_HOST"]
    code, _out, err = await cli(
        "run", "-a", "ollama:llama3.2", "-b", "local:instant", "-t", "1", "--yes", "--json",
        "--keep-ollama", "--no-post-process", "--output", str(tmp_path / "out"),
        PATH=f"{bin_dir}{os.pathsep}/usr/bin:/bin", OLLAMA_HOST=host)
    pid = _server_pid(err)
    try:
        assert code == 0, err
        assert "kept running after the run ends" in err  # the consent question said so
        assert f"stop it with `kill {pid}`" in err and "stopping the Ollama" not in err
        assert (await detect()).running
    finally:
        os.kill(pid, signal.SIGTERM)

    async def stopped() -> bool:
        return not (await detect()).running

    await _until(stopped, "the kept server to stop")


def test_a_handed_over_pid_that_is_not_an_ollama_server_is_left_alone():
    import os

    from pidgin_tui.providers.ollama_setup import stop_handed_over

    lines: list[str] = []
    stop_handed_over([os.getpid()], lines.append)  # this pytest process: not `ollama serve`
    assert lines == []

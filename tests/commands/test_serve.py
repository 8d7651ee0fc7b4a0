"""`pidgin-tui serve`: loopback by default; another address needs a flag and gets a warning."""

from __future__ import annotations

import argparse
import os
import subprocess
from pathlib import Path

import pytest

from pidgin_tui.commands import serve
from tests.conftest import cli_command, cli_env


@pytest.mark.parametrize(("host", "loopback"), [
    ("127.0.0.1", True), ("localhost", True), ("::1", True), ("[::1]", True), ("127.9.9.9", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.10", False), ("example.org", False),
])
def test_loopback_addresses_are_recognised(host: str, loopback: bool) -> None:
    assert serve.is_loopback(host) is loopback


def test_a_public_address_without_the_flag_is_refused_with_one_line() -> None:
    result = subprocess.run(cli_command("serve", "--host", "0.0.0.0", "--port", "9"),
                            capture_output=True, text=True, env=cli_env(), timeout=60,
                            check=False)
    assert result.returncode == 2
    assert result.stderr.strip() == ("pidgin-tui: error: 0.0.0.0 is not a loopback address: "
                                     "pass --allow-remote to serve the app to other machines")


def test_allow_remote_warns_and_app_processes_launch_detached(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
        tmp_path: Path) -> None:
    """The server is replaced so nothing listens: the test checks what `serve` hands it."""
    import textual_serve.server

    seen: dict[str, object] = {}

    def record(self: textual_serve.server.Server, debug: bool = False) -> None:
        seen.update(command=self.command, host=self.host, port=self.port,
                    detach=os.environ.get("PIDGIN_TUI_DETACH_RUNS"),
                    root=os.environ.get("PIDGIN_OUTPUT_DIR"))

    monkeypatch.setattr(textual_serve.server.Server, "serve", record)
    monkeypatch.setenv("PIDGIN_TUI_DETACH_RUNS", "0")
    args = argparse.Namespace(host="0.0.0.0", port=8123, allow_remote=True,
                              output=str(tmp_path / "my root; rm -rf ~"))
    assert serve.run(args) == 0
    assert "warning: serving on 0.0.0.0" in capsys.readouterr().err
    assert seen["host"] == "0.0.0.0" and seen["port"] == 8123 and seen["detach"] == "1"
    assert seen["root"] == str(tmp_path / "my root; rm -rf ~")
    assert "rm -rf" not in str(seen["command"])  # user text travels in the environment only

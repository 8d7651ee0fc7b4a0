"""Bare `pidgin-tui` without a terminal (cron, CI, ssh without a tty) explains and exits 2."""

from __future__ import annotations

import subprocess

from tests.conftest import cli_command, cli_env


def test_bare_command_without_a_terminal_prints_one_line_and_exits_2() -> None:
    done = subprocess.run(cli_command(), stdin=subprocess.DEVNULL, capture_output=True,
                          env=cli_env(), timeout=60)
    assert done.returncode == 2
    assert done.stdout == b""  # no screen codes
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and "needs a terminal" in lines[0] and "pidgin-tui run" in lines[0]

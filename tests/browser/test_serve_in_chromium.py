"""`pidgin-tui serve` in a real browser: headless Chromium driven over the DevTools protocol.

Launches a `local:test` run from the page, finds it in the monitor, watches its messages arrive
in the conversation's transcript, closes the tab mid-run, reopens the page (it lands on the
monitor) and checks the run still completes. Leaves screenshots in screenshots/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import pytest

from pidgin_tui.core.events import MessageCompleteEvent
from pidgin_tui.record.jsonl import read_all_events
from pidgin_tui.record.layout import experiment_dirs
from pidgin_tui.record.manifest import Manifest, read_manifest
from tests.browser.cdp import Page, chromium, find_chromium
from tests.conftest import REPO_ROOT, cli_command, cli_env

CHROMIUM = find_chromium()
SCREENSHOTS = REPO_ROOT / "screenshots"
T = TypeVar("T")

# Locally the test skips without Chromium; under CI (.ci/run installs it) a missing browser fails.
pytestmark = pytest.mark.skipif(
    CHROMIUM is None and not os.environ.get("CI"),
    reason="chromium is not installed (.ci/run installs it: apt-get install chromium)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(what: str, probe: Callable[[], T | None], timeout: float = 90.0) -> T:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = probe()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "out"
    port = _free_port()
    log = (tmp_path / "serve.log").open("wb")
    process = subprocess.Popen(
        [*cli_command("--output", str(root), "serve", "--port", str(port))],
        env=cli_env(COLUMNS="200"), stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"

    def listening() -> bool:
        with socket.socket() as probe:
            return probe.connect_ex(("127.0.0.1", port)) == 0

    try:
        _wait_for("the server to listen", listening, timeout=60)
        yield url, root
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        from pidgin_tui.experiments.daemon import live_experiments, stop_experiment

        for path in live_experiments(root):  # never leave a detached run behind
            stop_experiment(root, path, wait_s=15)


def _messages(experiment: Path) -> list[str]:
    texts = []
    for jsonl in sorted(experiment.glob("conv_*_events.jsonl")):
        for event in read_all_events(jsonl, types=(MessageCompleteEvent,)).events:
            assert isinstance(event, MessageCompleteEvent)
            texts.append(event.content)
    return texts


def _shows(page: Page, offset: int, *needles: str) -> bool:
    text = " ".join(page.text_since(offset).split())
    return all(needle in text for needle in needles)


def test_a_run_launched_in_the_browser_streams_shows_in_the_monitor_and_outlives_the_tab(
        server: tuple[str, Path], tmp_path: Path) -> None:
    url, root = server
    spec = tmp_path / "browser.yaml"
    spec.write_text("name: browser-run\nagent_a: local:test\nagent_b: local:test\n"
                    "max_turns: 24\nrepetitions: 1\n")
    assert CHROMIUM is not None, "CI must have chromium: .ci/run installs it"
    with chromium(CHROMIUM) as browser:
        page = browser.new_page()
        page.navigate(url)
        _wait_for("the setup screen", lambda: _shows(page, 0, "design an experiment"))
        _wait_for("the terminal to take the keyboard", page.focus_terminal)
        page.press("o", ctrl=True)
        _wait_for("the load-spec dialog", lambda: _shows(page, 0, "Enter to confirm"))
        page.type_text(str(spec))
        mark = page.terminal_length()
        page.press("Enter")
        _wait_for("the form to fill from the spec", lambda: _shows(page, mark, "browser-run"))
        mark = page.terminal_length()
        page.press("r", ctrl=True)

        experiment = _wait_for("the detached run's directory",
                               lambda: next(iter(experiment_dirs(root)), None))
        _wait_for("the monitor with the run",
                  lambda: _shows(page, mark, "every experiment", "browser-run ["))
        page.screenshot(SCREENSHOTS / "browser-monitor.png")
        assert (read_manifest(experiment) or Manifest()).status == "running"

        mark = page.terminal_length()
        page.press("Enter")  # the experiment's conversations
        _wait_for("the conversations", lambda: _shows(page, mark, "Conversations of browser-run"))
        mark = page.terminal_length()
        page.press("Enter")  # follow the conversation's transcript
        first = _wait_for("a first message", lambda: _messages(experiment)[:1], timeout=60)[0]
        _wait_for("the first message on the page",
                  lambda: _shows(page, mark, *first.split()[:3]))
        seen = len(_messages(experiment))
        later = _wait_for("a later message", lambda: _messages(experiment)[seen:seen + 1])[0]
        _wait_for("the later message on the page",
                  lambda: _shows(page, mark, *later.split()[:3]))
        # a message shows while it is written, before the JSONL holds it complete
        _wait_for("a message in progress on the page", lambda: _shows(page, mark, "· writing…"))
        page.screenshot(SCREENSHOTS / "browser-following-run.png")

        assert (read_manifest(experiment) or Manifest()).status == "running"
        page.close()  # closing the tab ends that app process, not the run

        reopened = browser.new_page()
        reopened.navigate(url)
        _wait_for("the reopened page on the monitor",
                  lambda: _shows(reopened, 0, "every experiment", "browser-run ["))
        assert (read_manifest(experiment) or Manifest()).status == "running"
        reopened.screenshot(SCREENSHOTS / "browser-reopened.png")
        reopened.close()

        final = _wait_for("the run to complete after the tab closed",
                          lambda: (m := read_manifest(experiment) or Manifest()).status
                          not in ("running", "created", "unknown") and m, timeout=300)
    assert final.status == "completed", final.summary()
    assert len(_messages(experiment)) == 48

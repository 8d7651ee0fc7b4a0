"""Getting a local Ollama model ready: detect the server, start it, pull models.

Nothing here acts without consent. Each step that changes the machine (starting a server,
downloading a model) is described to a `Consent` callback first and runs only if it answers yes;
headless runs answer with `--yes`. Installing Ollama is never done here, with or without consent:
the platform's official command is printed for the user to run. A server started here belongs to
the run: `stop_servers` ends it when the run is over (`stop_handed_over` in a detached run, which
gets the server's pid from the process that started it), unless the user keeps it
(`--keep-ollama`). Hosts are shown through `redact_url`.
"""

from __future__ import annotations

import asyncio
import inspect
import os
import shutil
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pidgin_tui.core.provider import ProviderError
from pidgin_tui.core.provider_table import unlisted_model
from pidgin_tui.core.redact import redact_url
from pidgin_tui.providers.ollama import normalise_host
from pidgin_tui.providers.registry import ModelInfo, Registry

Consent = Callable[[str], bool | Awaitable[bool]]
"""Shown a question, answers whether to go ahead."""
DOWNLOAD_PAGE = "https://ollama.com/download"


class OllamaNotReady(RuntimeError):
    """Ollama cannot serve the model; the message says what the user can do."""

    started: subprocess.Popen[bytes] | None = None
    """A server this attempt started (with consent) before failing, if any."""
    started_servers: list[subprocess.Popen[bytes]] = []
    """Every server `prepare_ollama_models` started before failing, for the caller to stop."""


@dataclass(slots=True, frozen=True)
class PullProgress:
    status: str
    completed: int | None = None
    total: int | None = None

    @property
    def fraction(self) -> float | None:
        if not self.total or self.completed is None:
            return None
        return min(1.0, self.completed / self.total)


@dataclass(slots=True, frozen=True)
class OllamaStatus:
    host: str
    running: bool
    version: str | None = None
    binary: str | None = None


@dataclass(slots=True, frozen=True)
class InstallPlan:
    command: str
    """The official install command, printed for the user to run (never run by us)."""
    source: str = DOWNLOAD_PAGE


def host_from_env() -> str:
    from pidgin_tui.config import settings

    return normalise_host(settings().base_url("ollama"))


def find_binary() -> str | None:
    return shutil.which("ollama")


async def probe(host: str, timeout_s: float = 2.0) -> str | None:
    """The server's version if it answers at `host`, else None."""
    import httpx

    try:
        async with httpx.AsyncClient(base_url=host, timeout=timeout_s) as client:
            response = await client.get("/api/version")
            if response.status_code == 200:
                return str(response.json().get("version", "unknown"))
    except (httpx.HTTPError, ValueError, OSError):
        return None
    return None


async def detect(host: str | None = None) -> OllamaStatus:
    host = normalise_host(host) if host else host_from_env()
    version = await probe(host)
    return OllamaStatus(host, version is not None, version, find_binary())


async def list_models(host: str) -> list[str]:
    """Names of the models the server has locally (`/api/tags`)."""
    import httpx

    try:
        async with httpx.AsyncClient(base_url=host, timeout=10.0) as client:
            response = await client.get("/api/tags")
            if response.status_code != 200:
                raise OllamaNotReady(f"Ollama at {redact_url(host)} answered /api/tags with "
                                     f"HTTP {response.status_code}")
            return [m.get("name") or m.get("model") for m in response.json().get("models", [])]
    except (httpx.HTTPError, ValueError, OSError) as exc:
        raise OllamaNotReady(f"cannot list the models of Ollama at {redact_url(host)} "
                             f"({type(exc).__name__})") from None


def has_model(available: list[str], model: str) -> bool:
    return model in available or (":" not in model and f"{model}:latest" in available)


async def pull(host: str, model: str) -> AsyncIterator[PullProgress]:
    """Stream `/api/pull` progress until `success`; an error line raises ProviderError."""
    import json

    import httpx

    async with httpx.AsyncClient(base_url=host, timeout=httpx.Timeout(None, connect=10.0)) as c:
        async with c.stream("POST", "/api/pull", json={"model": model, "stream": True}) as resp:
            if resp.status_code >= 400:
                await resp.aread()
                raise ProviderError("not_found" if resp.status_code == 404 else "server",
                                    f"ollama: pulling {model} failed: {resp.text}",
                                    status_code=resp.status_code, provider="ollama")
            async for line in resp.aiter_lines():
                if not line.strip():
                    continue
                data = json.loads(line)
                if "error" in data:
                    raise ProviderError("server", f"ollama: pulling {model} failed: "
                                        f"{data['error']}", provider="ollama")
                progress = PullProgress(str(data.get("status", "")), data.get("completed"),
                                        data.get("total"))
                yield progress
                if progress.status == "success":
                    return
    raise ProviderError("incomplete_stream", f"ollama: the pull of {model} ended early",
                        provider="ollama")


def install_plan(platform: str = sys.platform,
                 which: Callable[[str], str | None] = shutil.which) -> InstallPlan | None:
    """The official install command for this platform, to print; None: the download page."""
    if platform.startswith("linux"):
        return InstallPlan("curl -fsSL https://ollama.com/install.sh | sh",
                           "https://ollama.com/download/linux")
    if platform == "darwin" and which("brew"):
        return InstallPlan("brew install ollama", "https://formulae.brew.sh/formula/ollama")
    if platform == "win32" and which("winget"):
        return InstallPlan("winget install --id Ollama.Ollama -e",
                           "https://ollama.com/download/windows")
    return None


def not_installed_message(plan: InstallPlan | None) -> str:
    """What to do when Ollama is missing: the official command for the user to run."""
    if plan is None:
        return f"Ollama is not installed; get it from {DOWNLOAD_PAGE}, then run again"
    return (f"Ollama is not installed; install it yourself with `{plan.command}` "
            f"(from {plan.source}), then run again")


def start_server(binary: str, host: str) -> subprocess.Popen[bytes]:
    """Start `ollama serve` for `host` in its own session (a terminal's Ctrl-C is the run's
    to handle); the run stops it with `stop_servers`."""
    address = host.split("://", 1)[-1]
    env = {**os.environ, "OLLAMA_HOST": address}
    return subprocess.Popen([binary, "serve"], env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


async def wait_until_up(host: str, timeout_s: float = 30.0, interval_s: float = 0.2) -> bool:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while loop.time() < deadline:
        if await probe(host, timeout_s=1.0) is not None:
            return True
        await asyncio.sleep(interval_s)
    return False


async def ask(consent: Consent, question: str) -> bool:
    answer = consent(question)
    return bool(await answer) if inspect.isawaitable(answer) else bool(answer)


def terminal_consent(assume_yes: bool = False, stream: Any = None) -> Consent:
    """Headless consent on stderr: `--yes` says yes (and says so); a terminal asks; anything
    else says no. stdout stays free for `--json`."""
    def consent(question: str) -> bool:
        out = stream or sys.stderr
        if assume_yes:
            print(f"{question} yes (--yes)", file=out, flush=True)
            return True
        if not sys.stdin.isatty():
            return False
        print(f"{question} [y/N] ", end="", file=out, flush=True)
        return sys.stdin.readline().strip().lower() in ("y", "yes")
    return consent


def stop_servers(servers: Iterable[subprocess.Popen[bytes]],
                 report: Callable[[str], None], timeout_s: float = 10.0) -> None:
    """Stop the `ollama serve` processes this run started, saying so."""
    for server in servers:
        if server.poll() is not None:
            continue
        report(f"stopping the Ollama server this run started (pid {server.pid})")
        server.terminate()
        try:
            server.wait(timeout_s)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def stop_handed_over(pids: Iterable[int], report: Callable[[str], None],
                     timeout_s: float = 10.0) -> None:
    """Stop `ollama serve` processes another process started for this run and handed over by
    pid (`run --detach` starts the server, its detached run stops it). A pid that no longer
    belongs to an `ollama serve` (it ended, and the number was reused) is left alone."""
    import signal
    import time

    for pid in pids:
        if not _is_ollama_server(pid):
            continue
        report(f"stopping the Ollama server started for this run (pid {pid})")
        deadline = time.monotonic() + timeout_s
        try:
            os.kill(pid, signal.SIGTERM)
            while _is_ollama_server(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            if _is_ollama_server(pid):
                os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):  # gone, or not ours to stop
            pass


def _is_ollama_server(pid: int) -> bool:
    """Whether `pid` runs `ollama serve` (where /proc tells; elsewhere: whether it runs)."""
    from pidgin_tui.core.processes import process_alive, process_arguments

    if not process_alive(pid):
        return False
    args = process_arguments(pid)
    if args is None:
        return True
    return "serve" in args and any(os.path.basename(a) == "ollama" for a in args)


@dataclass(slots=True)
class ReadyResult:
    host: str
    started: subprocess.Popen[bytes] | None = None
    pulled: bool = False


async def ensure_model(model: str, consent: Consent, *, host: str | None = None,
                       on_progress: Callable[[PullProgress], Any] | None = None,
                       start_timeout_s: float = 30.0, keep_server: bool = False) -> ReadyResult:
    """Make `model` servable: start Ollama and pull the model, each after consent.

    `keep_server`: a server started here outlives the run (the question says so)."""
    status = await detect(host)
    result = ReadyResult(status.host)
    shown = redact_url(status.host)
    if not status.running:
        binary = status.binary
        if binary is None:
            raise OllamaNotReady(f"{not_installed_message(install_plan())} "
                                 f"(nothing answers at {shown})")
        if not await ask(consent, f"Ollama is installed but not running at {shown}. "
                         f"Start it now (`{binary} serve`, "
                         f"{'kept running after' if keep_server else 'stopped when'} the run "
                         "ends)?"):
            raise OllamaNotReady(f"Ollama is not running at {shown}; start it with "
                                 "`ollama serve`")
        result.started = start_server(binary, status.host)
        if not await wait_until_up(status.host, start_timeout_s):
            stop_servers([result.started], lambda _line: None)  # ours, and useless
            raise OllamaNotReady(f"started `ollama serve` but nothing answers at {shown}")
    try:
        await _pull_if_missing(model, status.host, consent, on_progress, result)
    except OllamaNotReady as exc:
        exc.started = result.started
        raise
    return result


async def _pull_if_missing(model: str, host: str, consent: Consent,
                           on_progress: Callable[[PullProgress], Any] | None,
                           result: ReadyResult) -> None:
    if has_model(await list_models(host), model):
        return
    if not await ask(consent, f"The Ollama model {model!r} is not downloaded. Pull it now? "
                     "(models are often several GB)"):
        raise OllamaNotReady(f"model {model!r} is missing; pull it with `ollama pull {model}`")
    import httpx

    try:
        async for progress in pull(host, model):
            if on_progress is not None:
                on_progress(progress)
    except ProviderError as exc:
        raise OllamaNotReady(exc.message) from None
    except (httpx.HTTPError, ValueError, OSError) as exc:
        raise OllamaNotReady(f"pulling {model} from Ollama at {redact_url(host)} failed "
                             f"({type(exc).__name__})") from None
    result.pulled = True


async def add_local_models(registry: Registry, host: str | None = None) -> list[str]:
    """Add the server's local models to `registry` (for `models` and the setup screen)."""
    status = await detect(host)
    if not status.running:
        return []
    names = await list_models(status.host)
    for name in names:
        ref = f"ollama:{name}"
        if ref not in registry.models:
            registry.add(unlisted_model("ollama", name, "Local Ollama model; limits assumed",
                                        registry.spec_of("ollama")))
    return names


async def prepare_ollama_models(models: Iterable[ModelInfo], consent: Consent,
                                report: Callable[[str], None], *, keep_server: bool = False
                                ) -> list[subprocess.Popen[bytes]]:
    """Make every Ollama model among `models` servable, reporting pull progress as text.

    Returns the servers started on the way, for the caller to stop when the run ends (also
    when this fails part-way).
    """
    started: list[subprocess.Popen[bytes]] = []
    for model in dict.fromkeys(m.model_id for m in models if m.provider == "ollama"):
        last: list[int] = [-1]

        def show(progress: PullProgress, model: str = model, last: list[int] = last) -> None:
            fraction = progress.fraction
            if fraction is None:
                report(f"ollama pull {model}: {progress.status}")
            elif int(fraction * 10) > last[0]:  # every 10 %
                last[0] = int(fraction * 10)
                report(f"ollama pull {model}: {fraction:.0%}")

        try:
            result = await ensure_model(model, consent, on_progress=show,
                                        keep_server=keep_server)
        except OllamaNotReady as exc:
            if exc.started is not None:
                started.append(exc.started)
            exc.started_servers = started
            raise
        if result.started is not None:
            started.append(result.started)
    return started

"""Per-turn overhead of real provider adapters beyond `local:instant`.

A 20-turn conversation between two providers served by the loopback fake (Anthropic SSE for
agent A, OpenAI chat SSE for agent B, zero server delay) is timed against the same conversation
between two `local:instant` agents. The fake runs in its own process so its work is not counted
as ours; what remains is the adapters, the SDKs, HTTP over loopback, retries and pricing.

Run: python benchmarks/provider_overhead.py
"""

from __future__ import annotations

import asyncio
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pidgin_tui import config  # noqa: E402
from pidgin_tui.experiments.runner import ExperimentRunner  # noqa: E402
from pidgin_tui.experiments.spec import parse_spec  # noqa: E402
from pidgin_tui.providers import registry as registry_module  # noqa: E402

TURNS = 20
ROUNDS = 7
HTTP_ROUNDS = 300


class WordChunks:
    """An in-process provider streaming the fake's default reply in the fake's word pieces,
    behind the same limits wrapper as the real adapters: our layers without HTTP or SDKs."""

    name = "anthropic"

    async def stream(self, request):  # type: ignore[no-untyped-def]
        from pidgin_tui.core.provider import FinishChunk, TextChunk, UsageChunk

        for piece in ("Hello ", "from ", "the ", "fake."):
            yield TextChunk(piece)
        yield UsageChunk(12, 10)
        yield FinishChunk("stop")


def word_chunk_registry():  # type: ignore[no-untyped-def]
    from pidgin_tui.providers.limits import LimitedProvider
    from pidgin_tui.providers.registry import limits_for

    registry = registry_module.default_registry()
    registry.factories["anthropic"] = lambda: LimitedProvider(WordChunks(),
                                                              lambda: limits_for("anthropic"))
    registry._instances.pop("anthropic", None)
    return registry


async def raw_http_floor(port: int) -> float:
    """One streamed request with no SDK (httpx2 straight at the fake), in ms."""
    import httpx2

    body = {"model": "gpt-5.5", "stream": True, "stream_options": {"include_usage": True},
            "messages": [{"role": "user", "content": "hi"}]}
    times = []
    async with httpx2.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(HTTP_ROUNDS):
            started = time.perf_counter()
            async with client.stream("POST", "/v1/chat/completions", json=body) as response:
                async for _line in response.aiter_lines():
                    pass
            times.append(time.perf_counter() - started)
    return statistics.median(times[HTTP_ROUNDS // 5:]) * 1000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def conversation(agent_a: str, agent_b: str, root: Path, registry=None) -> float:  # type: ignore[no-untyped-def]
    spec = parse_spec({"agent_a": agent_a, "agent_b": agent_b, "max_turns": TURNS,
                       "convergence_threshold": None})
    runner = ExperimentRunner(spec, root, registry=registry or registry_module.default_registry())
    started = time.perf_counter()
    result = await runner.run()
    elapsed = time.perf_counter() - started
    assert result.outcomes[0].turns_completed == TURNS, result.outcomes[0]
    return elapsed


async def measure(agent_a: str, agent_b: str, root: Path, registry=None) -> list[float]:  # type: ignore[no-untyped-def]
    await conversation(agent_a, agent_b, root / "warmup", registry)  # imports, connections
    return [await conversation(agent_a, agent_b, root / str(n), registry)
            for n in range(ROUNDS)]


def main() -> None:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tests.fakes.llm_server", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        os.environ.update({"ANTHROPIC_BASE_URL": base, "OPENAI_BASE_URL": f"{base}/v1",
                           "ANTHROPIC_API_KEY": "sk-bench", "OPENAI_API_KEY": "sk-bench",
                           "PIDGIN_CONFIG_DIR": tempfile.mkdtemp()})
        config.reset_settings()
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                break
            except OSError:
                time.sleep(0.05)
        with tempfile.TemporaryDirectory() as tmp:
            local = asyncio.run(measure("local:instant", "local:instant", Path(tmp) / "local"))
            real = asyncio.run(measure("claude", "gpt", Path(tmp) / "real"))
            floor = asyncio.run(raw_http_floor(port))
            registry_module.reset_default_registry()
            ours = asyncio.run(measure("claude", "claude", Path(tmp) / "ours",
                                       word_chunk_registry()))
    finally:
        server.terminate()
        server.wait()
    local_turn = statistics.median(local) / TURNS * 1000
    real_turn = statistics.median(real) / TURNS * 1000
    print(f"{TURNS}-turn conversation, median of {ROUNDS}:")
    print(f"  local:instant × 2:                       {local_turn:.2f} ms per turn")
    print(f"  anthropic + openai via loopback fake:    {real_turn:.2f} ms per turn "
          "(two requests per turn)")
    ours_turn = statistics.median(ours) / TURNS * 1000
    print(f"  overhead beyond local:instant:           {real_turn - local_turn:.2f} ms per turn, "
          f"{(real_turn - local_turn) / 2:.2f} ms per request (goal <= 2 ms per turn)")
    print("breakdown per turn (two requests):")
    print(f"  loopback HTTP + fake server, no SDK:     {2 * floor:.2f} ms")
    print(f"  pidgin-tui layers (limits, retry, cost): {ours_turn - local_turn:.2f} ms  "
          "(in-process provider, same chunks)")
    print(f"  SDKs (request build, SSE parse, models): "
          f"{real_turn - local_turn - 2 * floor - (ours_turn - local_turn):.2f} ms  (remainder)")


if __name__ == "__main__":
    main()

"""Live text on disk: what a detached run pays per streamed chunk, and what a follower pays per
look.

A detached run appends every chunk to `control/live_<conversation>.txt` (`record.live_text`),
and a page following it reads the file twice a second, checking that its writer still holds the
experiment's lock. Prints µs per chunk published through the bus with and without the writer,
and µs per `read_live_text` call (a file of one message in progress, with its thinking).

Run: python benchmarks/live_text.py [--chunks 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pidgin_tui.core.bus import EventBus  # noqa: E402
from pidgin_tui.core.events import (  # noqa: E402
    MessageChunkEvent,
    MessageCompleteEvent,
    ThinkingChunkEvent,
)
from pidgin_tui.record.live_text import LiveTextWriter, read_live_text  # noqa: E402
from pidgin_tui.record.lock import ExperimentLock  # noqa: E402

CHUNKS_PER_MESSAGE = 300
REPEATS = 5


async def publish(directory: Path | None, chunks: int) -> float:
    """Seconds to publish `chunks` chunks (thinking first, then text, a message every
    CHUNKS_PER_MESSAGE), with a live-text writer when `directory` is given."""
    bus = EventBus()
    writer = LiveTextWriter(lambda: directory) if directory is not None else None
    if writer is not None:
        writer.attach(bus)
    start = time.perf_counter()
    for i in range(chunks):
        turn, within = divmod(i, CHUNKS_PER_MESSAGE)
        kind = ThinkingChunkEvent if within < CHUNKS_PER_MESSAGE // 5 else MessageChunkEvent
        await bus.publish(kind(conversation_id="c1", agent_id="agent_a", turn_number=turn + 1,
                               chunk="word "))
        if within == CHUNKS_PER_MESSAGE - 1:
            await bus.publish(MessageCompleteEvent(conversation_id="c1", agent_id="agent_a",
                                                   turn_number=turn + 1, content="…"))
    elapsed = time.perf_counter() - start
    if writer is not None:
        writer.close()
    return elapsed


async def main(chunks: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, ExperimentLock.acquire(Path(tmp)):
        directory = Path(tmp)
        bare = statistics.median([await publish(None, chunks) for _ in range(REPEATS)])
        written = statistics.median([await publish(directory, chunks) for _ in range(REPEATS)])
        print(f"chunks published: {chunks:,} (median of {REPEATS} runs)")
        print(f"bus only:          {bare / chunks * 1e6:7.1f} µs/chunk")
        print(f"with live text:    {written / chunks * 1e6:7.1f} µs/chunk "
              f"(+{(written - bare) / chunks * 1e6:.1f} µs for the file)")

        bus = EventBus()
        writer = LiveTextWriter(lambda: directory)
        writer.attach(bus)
        await bus.publish(ThinkingChunkEvent(conversation_id="c1", agent_id="agent_a",
                                             turn_number=1, chunk="hmm " * 200))
        await bus.publish(MessageChunkEvent(conversation_id="c1", agent_id="agent_a",
                                            turn_number=1, chunk="word " * 2000))
        reads = 2_000
        start = time.perf_counter()
        for _ in range(reads):
            assert read_live_text(directory, "c1") is not None
        per_read = (time.perf_counter() - start) / reads
        print(f"read_live_text:    {per_read * 1e6:7.1f} µs/call (lock check included; a "
              f"follower calls it twice a second)")
        writer.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=20_000)
    asyncio.run(main(parser.parse_args().chunks))

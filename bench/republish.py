"""The republish benchmark: `redub republish` (read job_events, encode, publish in order)
next to a bare publish of the same messages, already encoded, in the same run.

`python -m bench.republish [--events N]`; each run publishes into a fresh stream.
"""

import argparse
import asyncio
import math
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import asyncpg

from bench.report import progress
from bench.servers import start_nats, start_postgres
from bench.stats import median
from bench.synthetic_log import LANGUAGES, Template, load_log
from libs.events.jetstream_bus import JetStreamBus
from libs.events.postgres_log import PostgresLog
from libs.events.republish import republish
from libs.events.wire import encode, subject_for

RUNS = 3


async def _fresh(bus: JetStreamBus) -> None:
    if await bus.stream_exists():
        await bus.js.delete_stream(bus.stream)
    await bus.provision()


async def _bare(bus: JetStreamBus, messages: list[tuple[str, bytes, str]]) -> float:
    """Seconds to publish pre-encoded messages in order, 2000 PubAcks awaited at a time."""
    await _fresh(bus)
    started = time.perf_counter()
    for i in range(0, len(messages), 2000):
        acks = [
            await bus.js.publish_async(s, d, headers={"Nats-Msg-Id": m})
            for s, d, m in messages[i : i + 2000]
        ]
        await asyncio.gather(*acks)
    return time.perf_counter() - started


async def run(events: int, root: Path) -> None:
    with ExitStack() as cleanup:
        nats = start_nats(root, cleanup)
        pg = start_postgres(root, cleanup, fast=True)
        pool = await asyncpg.create_pool(pg.url, min_size=1, max_size=4, command_timeout=3600)
        bus = await JetStreamBus.connect(nats.url, "BENCH", "bench")
        try:
            jobs = math.ceil(events / len(Template.build(LANGUAGES).rows))
            loaded = await load_log(pool, jobs)
            progress(f"republish: {loaded:,} events in the log ({jobs:,} jobs)")
            log = PostgresLog(pool)
            rows = await log.read_all(0, loaded)
            messages = [(subject_for("bench", e.type), encode(e), str(e.event_id)) for e in rows]
            del rows
            bare_runs, republish_runs = [], []
            for _ in range(RUNS):
                bare_runs.append(await _bare(bus, messages))
                await _fresh(bus)
                result = await republish(log, bus, 1)
                assert result.events == loaded, result
                info = await bus.js.stream_info(bus.stream)
                assert info.state.messages == loaded, info.state
                republish_runs.append(result.seconds)
                progress(
                    f"republish: bare {loaded / bare_runs[-1]:,.0f} events/s, "
                    f"republish {result.events_per_s:,.0f} events/s"
                )
            bare, rep = median(bare_runs), median(republish_runs)
            print(
                f"republish over {loaded:,} events (median of {RUNS}): "
                f"{loaded / rep:,.0f} events/s; bare in-order publish of the same messages "
                f"{loaded / bare:,.0f} events/s; republish at {bare / rep:.0%} of bare"
            )
        finally:
            await bus.close()
            await pool.close()


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m bench.republish", description=__doc__)
    p.add_argument("--events", type=int, default=100_000, help="events in the log")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="redub-bench-republish-") as root:
        asyncio.run(run(args.events, Path(root)))


if __name__ == "__main__":
    main()

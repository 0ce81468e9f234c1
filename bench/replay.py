"""The replay benchmark: `rebuild_views` over a large log next to a plain COPY of it."""

import math
import time
from dataclasses import dataclass

import asyncpg

from bench.report import progress
from bench.stats import median
from bench.synthetic_log import LANGUAGES, Template, load_log
from libs.events.rebuild import rebuild_views

REBUILD_REPEAT_UNDER_S = 30.0


@dataclass(frozen=True, slots=True)
class ReplayMeasured:
    """Median seconds of a rebuild and of a COPY of the same log."""

    events: int
    jobs: int
    rebuild_s: float
    copy_s: float
    rebuild_runs: int
    copy_runs: int

    @property
    def rebuild_events_per_s(self) -> float:
        return self.events / self.rebuild_s

    @property
    def copy_events_per_s(self) -> float:
        return self.events / self.copy_s


async def copy_out(conn: asyncpg.Connection) -> tuple[float, int]:
    """Seconds and bytes of `COPY job_events TO STDOUT` into a counting sink."""
    size = 0

    async def sink(chunk: bytes) -> None:
        nonlocal size
        size += len(chunk)

    started = time.perf_counter()
    await conn.copy_from_table("job_events", output=sink)
    return time.perf_counter() - started, size


async def run_replay(url: str, events: int, copies: int = 3) -> ReplayMeasured:
    """Load ~`events` events (whole jobs) into the empty log at `url`, then time both."""
    per_job = len(Template.build(LANGUAGES).rows)
    jobs = math.ceil(events / per_job)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=2, command_timeout=3600)
    try:
        started = time.perf_counter()
        loaded = await load_log(pool, jobs)
        progress(
            f"replay: loaded {loaded} events ({jobs} jobs) in {time.perf_counter() - started:.1f} s"
        )
        await pool.execute("VACUUM ANALYZE job_events")  # set hint bits now, not in a timed read

        copy_runs = []
        async with pool.acquire() as conn:
            for _ in range(copies):
                seconds, size = await copy_out(conn)
                copy_runs.append(seconds)
                progress(f"replay: COPY TO STDOUT {seconds:.2f} s, {size / 1e6:.0f} MB")

        rebuild_runs: list[float] = []
        while len(rebuild_runs) < 3:
            result = await rebuild_views(pool)
            if result.events != loaded or result.jobs != jobs:
                raise AssertionError(f"rebuild saw {result.events} events / {result.jobs} jobs")
            rebuild_runs.append(result.seconds)
            progress(
                f"replay: rebuild {result.seconds:.2f} s ({result.events_per_s:,.0f} events/s)"
            )
            if result.seconds >= REBUILD_REPEAT_UNDER_S:
                break
        completed = await pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'completed'")
        if completed != jobs:
            raise AssertionError(f"rebuilt views hold {completed} completed jobs, not {jobs}")
        return ReplayMeasured(
            loaded, jobs, median(rebuild_runs), median(copy_runs), len(rebuild_runs), copies
        )
    finally:
        await pool.close()

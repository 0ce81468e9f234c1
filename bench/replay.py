"""The replay benchmark: `rebuild_views` and a billing export over a large log, each next
to a plain COPY of it."""

import io
import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from bench.report import progress
from bench.stats import median
from bench.synthetic_log import LANGUAGES, Template, load_log
from libs.billing.export import export_period
from libs.billing.formats import Format
from libs.billing.reader import Period
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
    export_s: dict[str, float]
    """Median seconds of a billing export of the whole log, per format."""
    export_rows: int

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


class CountingSink(io.RawIOBase):
    """A binary stream that only counts what is written to it."""

    def __init__(self) -> None:
        super().__init__()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        n = len(data)
        self.size += n
        return n


EVERYTHING = Period(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


async def time_export(conn: asyncpg.Connection, fmt: Format) -> tuple[float, int, int]:
    """Seconds, rows and bytes of a billing export of the whole log."""
    sink = CountingSink()
    started = time.perf_counter()
    totals = await export_period(conn, EVERYTHING, fmt, sink)  # type: ignore[arg-type]
    return time.perf_counter() - started, totals.rows, sink.size


async def run_replay(
    url: str, events: int, copies: int = 3, formats: tuple[Format, ...] = ("csv", "parquet")
) -> ReplayMeasured:
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

        export_runs: dict[str, list[float]] = {fmt: [] for fmt in formats}
        rows = jobs * (1 + 2 * len(LANGUAGES))  # one line per stage event
        async with pool.acquire() as conn:
            for _ in range(3):
                for fmt in formats:
                    seconds, written, size = await time_export(conn, fmt)
                    if written != rows:
                        raise AssertionError(f"export wrote {written} rows, not {rows}")
                    export_runs[fmt].append(seconds)
                    progress(
                        f"replay: billing export {fmt} {seconds:.2f} s "
                        f"({loaded / seconds:,.0f} events/s, {size / 1e6:.0f} MB)"
                    )
            # COPY again after the replays: the baseline brackets what it is compared with.
            for _ in range(copies):
                seconds, size = await copy_out(conn)
                copy_runs.append(seconds)
                progress(f"replay: COPY TO STDOUT {seconds:.2f} s, {size / 1e6:.0f} MB")
        return ReplayMeasured(
            loaded,
            jobs,
            median(rebuild_runs),
            median(copy_runs),
            len(rebuild_runs),
            len(copy_runs),
            {fmt: median(runs) for fmt, runs in export_runs.items()},
            rows,
        )
    finally:
        await pool.close()

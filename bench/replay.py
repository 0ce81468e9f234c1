"""The replay benchmark: `rebuild_views` and a billing export over a large log, each next
to a plain COPY of it.

Each workload's cost is measured twice: wall seconds, and CPU seconds of this process (and
the rebuild's worker processes) plus the PostgreSQL server's (from /proc). On a machine
shared with other work, wall time measures the neighbours too; CPU seconds measure the work.
"""

import io
import math
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg

from bench.report import progress
from bench.stats import median
from bench.synthetic_log import LANGUAGES, Template, load_log
from libs.billing.export import export_period
from libs.billing.formats import Format
from libs.billing.reader import Period
from libs.events.rebuild import rebuild_views
from redub.cli.replay_command import REPLAY_MAX_WORKERS

REPEAT_UNDER_S = 60.0  # a workload runs 3 times, or once if a run takes longer than this
REBUILD_WORKERS = min(REPLAY_MAX_WORKERS, os.cpu_count() or 1)
EVERYTHING = Period(datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))


@dataclass(slots=True)
class Runs:
    """Wall and CPU seconds of each run of one workload."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    @property
    def wall_s(self) -> float:
        return median(self.wall)

    @property
    def cpu_s(self) -> float:
        return median(self.cpu)


@dataclass(frozen=True, slots=True)
class ReplayMeasured:
    """Runs of COPY, the rebuild and each export format over the same log."""

    events: int
    jobs: int
    export_rows: int
    copy: Runs
    rebuild: Runs
    exports: dict[str, Runs]


def backend_cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a local process has used, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_s(postmaster: int) -> float:
    """CPU seconds of a PostgreSQL server: the postmaster, its live children and the
    children it has reaped (a rebuild's workers each have a backend of their own)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile: its time is in the postmaster's children's now
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == postmaster:
            total += sum(int(f) for f in fields[11:15]) / tick  # with reaped children
        elif ppid == postmaster:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def client_cpu_s() -> float:
    """CPU seconds of this process and of its reaped children (a rebuild's workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


async def measured(runs: Runs, server: int, work: Callable[[], Awaitable[str]], label: str) -> None:
    """Run `work` once, adding its wall and CPU seconds (client and server) to `runs`."""
    cpu0, server0, wall0 = client_cpu_s(), postgres_cpu_s(server), time.perf_counter()
    note = await work()
    wall = time.perf_counter() - wall0
    cpu = client_cpu_s() - cpu0 + postgres_cpu_s(server) - server0
    runs.wall.append(wall)
    runs.cpu.append(cpu)
    progress(f"replay: {label} {wall:.2f} s wall, {cpu:.2f} s CPU{note}")


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


async def run_replay(
    url: str, events: int, formats: tuple[Format, ...] = ("csv", "parquet")
) -> ReplayMeasured:
    """Load ~`events` events (whole jobs) into the empty log at `url`, then time each
    workload, with COPY before and after them."""
    per_job = len(Template.build(LANGUAGES).rows)
    jobs = math.ceil(events / per_job)
    rows = jobs * (1 + 2 * len(LANGUAGES))  # one usage line per stage event
    # One connection: the rebuild's backend is the one whose CPU is read.
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1, command_timeout=7200)
    try:
        started = time.perf_counter()
        loaded = await load_log(pool, jobs)
        progress(
            f"replay: loaded {loaded} events ({jobs} jobs) in {time.perf_counter() - started:.1f} s"
        )
        await pool.execute("VACUUM ANALYZE job_events")  # set hint bits now, not in a timed read
        backend: int = await pool.fetchval("SELECT pg_backend_pid()")
        server = int(Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()[1])

        async def copy() -> str:
            sink = CountingSink()

            async def write(chunk: bytes) -> None:
                sink.write(chunk)

            async with pool.acquire() as conn:
                await conn.copy_from_table("job_events", output=write)
            return f", {sink.size / 1e6:.0f} MB"

        async def rebuild() -> str:
            # As `redub replay` runs it: the jobs split over the machine's cores.
            result = await rebuild_views(pool, dsn=url, workers=REBUILD_WORKERS)
            if result.events != loaded or result.jobs != jobs:
                raise AssertionError(f"rebuild saw {result.events} events / {result.jobs} jobs")
            return ""

        def export(fmt: Format) -> Callable[[], Awaitable[str]]:
            async def run() -> str:
                sink = CountingSink()
                async with pool.acquire() as conn:
                    totals = await export_period(conn, EVERYTHING, fmt, sink)  # type: ignore[arg-type]
                if totals.rows != rows:
                    raise AssertionError(f"export wrote {totals.rows} rows, not {rows}")
                return f", {sink.size / 1e6:.0f} MB"

            return run

        workloads: list[tuple[str, Callable[[], Awaitable[str]], Runs]] = []
        copy_runs, rebuild_runs = Runs(), Runs()
        exports: dict[str, Runs] = {fmt: Runs() for fmt in formats}
        workloads.append(("COPY TO STDOUT", copy, copy_runs))
        workloads.append(("rebuild", rebuild, rebuild_runs))
        workloads += [(f"billing export {f}", export(f), exports[f]) for f in formats]
        workloads.append(("COPY TO STDOUT", copy, copy_runs))  # brackets what it is compared with
        for label, work, runs in workloads:
            for _ in range(3):
                await measured(runs, server, work, label)
                if runs.wall[-1] >= REPEAT_UNDER_S:
                    break
        completed = await pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'completed'")
        if completed != jobs:
            raise AssertionError(f"rebuilt views hold {completed} completed jobs, not {jobs}")
        return ReplayMeasured(loaded, jobs, rows, copy_runs, rebuild_runs, exports)
    finally:
        await pool.close()

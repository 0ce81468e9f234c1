"""The load phases every system under test goes through: warm-up, burst, steady rate."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from uuid import uuid4

from bench import cpu
from bench.load import Completions, Submit, burst, steady
from bench.report import progress
from bench.stats import percentile

CountEvents = Callable[[Sequence[str]], Awaitable[int]]


@dataclass
class Target:
    """A system under test: how to submit a job, where completions land, how to verify."""

    name: str
    submit: Submit
    completions: Completions
    count_events: CountEvents
    """Checks the log of these (finished) jobs and returns how many events it holds."""
    cpu_trees: dict[str, int] = field(default_factory=dict)
    cpu_single: dict[str, int] = field(default_factory=dict)
    around_burst: Callable[[], contextlib.AbstractContextManager[None]] = contextlib.nullcontext
    """E.g. a profiler sampling the processes while the burst runs."""


@dataclass(frozen=True, slots=True)
class LoadConfig:
    """How hard and how long to push."""

    jobs: int = 300
    rate: float = 20.0
    seconds: float = 15.0
    warmup: int = 20
    concurrency: int = 8
    bursts: int = 3


@dataclass(frozen=True, slots=True)
class Measured:
    """Throughput of the burst, latency at the steady rate, CPU spent per burst job."""

    jobs: int
    events: int
    wall_s: float
    steady_jobs: int
    p50_ms: float
    p99_ms: float
    cpu_ms_per_job: dict[str, float]

    @property
    def jobs_per_s(self) -> float:
        return self.jobs / self.wall_s

    @property
    def events_per_s(self) -> float:
        return self.events / self.wall_s


def _ids(n: int) -> list[str]:
    return [str(uuid4()) for _ in range(n)]


async def measure(targets: Sequence[Target], cfg: LoadConfig) -> list[Measured]:
    """Warm each target up, then `cfg.bursts` bursts of `cfg.jobs` jobs taking turns (so a
    pipeline and its baseline meet the same moments of a noisy machine), then `cfg.rate`
    jobs/s for `cfg.seconds` on each."""
    timeout = 120 + cfg.jobs * 0.5
    for target in targets:
        if cfg.warmup:
            warm = _ids(cfg.warmup)
            await burst(target.submit, warm, cfg.concurrency, target.completions, timeout)
            await target.count_events(warm)
            progress(f"{target.name}: warmed up with {len(warm)} jobs")
    await asyncio.sleep(1.0)

    runs: dict[str, list[tuple[float, int]]] = {t.name: [] for t in targets}
    spent_total: dict[str, dict[str, float]] = {t.name: {} for t in targets}
    for n in range(cfg.bursts):
        for target in targets:
            ids = _ids(cfg.jobs)
            before = cpu.snapshot(target.cpu_trees, target.cpu_single)
            with target.around_burst() if n == 0 else contextlib.nullcontext():
                result = await burst(
                    target.submit, ids, cfg.concurrency, target.completions, timeout
                )
            spent = cpu.delta(before, cpu.snapshot(target.cpu_trees, target.cpu_single))
            events = await target.count_events(ids)
            runs[target.name].append((result.wall_s, events))
            totals = spent_total[target.name]
            for k, v in spent.items():
                totals[k] = totals.get(k, 0.0) + v
            progress(
                f"{target.name}: burst {n + 1}/{cfg.bursts}: {len(ids)} jobs, {events} events"
                f" in {result.wall_s:.2f} s = {len(ids) / result.wall_s:.1f} jobs/s; CPU s "
                + _cpu_text(spent)
            )
            await asyncio.sleep(1.0)
    return [await _steady(t, cfg, runs[t.name], spent_total[t.name], timeout) for t in targets]


async def _steady(
    target: Target,
    cfg: LoadConfig,
    runs: list[tuple[float, int]],
    spent_total: dict[str, float],
    timeout: float,
) -> Measured:
    # The median burst (by wall time) is the figure; CPU is averaged over every burst.
    wall_s, events = sorted(runs)[len(runs) // 2]
    burst_jobs = cfg.jobs * cfg.bursts
    name = target.name
    steady_ids = _ids(max(1, round(cfg.rate * cfg.seconds)))
    progress(f"{name}: steady {cfg.rate:g} jobs/s for {len(steady_ids) / cfg.rate:.0f} s")
    timed = await steady(
        target.submit, steady_ids, cfg.rate, target.completions, cfg.seconds + timeout
    )
    await target.count_events(steady_ids)
    lat = timed.latencies_ms
    p50, p99 = percentile(lat, 50), percentile(lat, 99)
    progress(f"{name}: steady p50 {p50:.1f} ms, p99 {p99:.1f} ms, max {max(lat):.1f} ms")
    return Measured(
        jobs=cfg.jobs,
        events=events,
        wall_s=wall_s,
        steady_jobs=len(steady_ids),
        p50_ms=p50,
        p99_ms=p99,
        cpu_ms_per_job={k: v * 1000 / burst_jobs for k, v in spent_total.items()},
    )


def _cpu_text(spent: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:.2f}" for k, v in sorted(spent.items(), key=lambda kv: -kv[1]))

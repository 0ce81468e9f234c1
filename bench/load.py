"""Load drivers shared by the pipeline and the bare-bus runs: same submitters, same clock."""

import asyncio
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import Any

Submit = Callable[[str], Coroutine[Any, Any, None]]


class JobFailed(RuntimeError):
    """A job ended in failure instead of completing."""


@dataclass
class Completions:
    """First arrival time (perf_counter) of each job's completion; failures by job id."""

    done: dict[str, float] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def completed(self, job_id: str) -> None:
        """Record a completion (a duplicate delivery keeps the first time)."""
        self.done.setdefault(job_id, time.perf_counter())

    def failure(self, job_id: str, what: str) -> None:
        """Record a failure of `job_id`."""
        self.failed.setdefault(job_id, what)

    async def wait(self, job_ids: Sequence[str], timeout: float) -> None:
        """Until every job completed; JobFailed / TimeoutError otherwise (bounded)."""
        deadline = time.monotonic() + timeout
        while True:
            bad = [j for j in job_ids if j in self.failed]
            if bad:
                raise JobFailed(f"{len(bad)} job(s) failed, e.g. {bad[0]}: {self.failed[bad[0]]}")
            missing = [j for j in job_ids if j not in self.done]
            if not missing:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"{len(missing)} of {len(job_ids)} jobs not completed after {timeout:.0f} s"
                )
            await asyncio.sleep(0.05)


@dataclass(frozen=True, slots=True)
class LoadResult:
    """When each job was submitted and when its completion arrived."""

    started: dict[str, float]
    completed: dict[str, float]

    @property
    def wall_s(self) -> float:
        """First submit to last completion."""
        return max(self.completed[j] for j in self.started) - min(self.started.values())

    @property
    def latencies_ms(self) -> list[float]:
        """Submit-to-completed latency of every job."""
        return [(self.completed[j] - t) * 1000 for j, t in self.started.items()]


async def burst(
    submit: Submit, job_ids: Sequence[str], concurrency: int, done: Completions, timeout: float
) -> LoadResult:
    """Submit every job as fast as `concurrency` submitters can, then wait for all."""
    started: dict[str, float] = {}
    queue = list(reversed(job_ids))

    async def submitter() -> None:
        while queue:
            job_id = queue.pop()
            started[job_id] = time.perf_counter()
            await submit(job_id)

    await asyncio.wait_for(asyncio.gather(*(submitter() for _ in range(concurrency))), timeout)
    await done.wait(job_ids, timeout)
    return LoadResult(started, {j: done.done[j] for j in job_ids})


async def steady(
    submit: Submit, job_ids: Sequence[str], rate: float, done: Completions, timeout: float
) -> LoadResult:
    """Submit at a fixed rate; latency counts from the scheduled time (no coordinated
    omission: a slow submit does not delay the next one)."""
    started: dict[str, float] = {}
    tasks: list[asyncio.Task[None]] = []
    t0 = time.perf_counter() + 0.05
    for i, job_id in enumerate(job_ids):
        at = t0 + i / rate
        await asyncio.sleep(max(0.0, at - time.perf_counter()))
        started[job_id] = at
        tasks.append(asyncio.create_task(submit(job_id)))
    await asyncio.wait_for(asyncio.gather(*tasks), timeout)
    await done.wait(job_ids, timeout)
    return LoadResult(started, {j: done.done[j] for j in job_ids})

"""The `mixed_work` benchmark: two replicas of every stage sharing its durable consumer,
work items of 10 ms with, in a second run, a deterministic 1 in 10 taking 2 s.

Measures how much the slow items delay the jobs that have none (submit to `job.completed`,
at a steady rate) and how the work splits between the replicas of each stage (each replica
process writes a line per item it handled, `bench.mixed_stage`).
"""

import asyncio
import json
import random
import time
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID

import asyncpg
from nats.aio.msg import Msg

from bench.load import Completions
from bench.pipeline import INSTANT_ENV, STAGES
from bench.replicas import Replicas
from bench.report import emit, figure, progress
from bench.slow_items import job_items, slow_items
from bench.stats import percentile
from bench.stems import USER, submission
from bench.verify import verify_jobs
from libs.config.settings import Settings
from libs.events.commit import Commit
from libs.events.envelope import NewEvent
from libs.events.group_commit import GroupCommitter
from libs.events.jetstream_bus import JetStreamBus
from libs.events.postgres_store import PostgresEventStore

BENCH = "mixed_work"
RATIO_TARGET = 1.5
SHARE_TARGET = 0.60
WARMUP_TIMEOUT_S = 60.0
RUNS = (("no_slow", False), ("slow", True))
"""Every item fast, then the same load with the slow ones."""


@dataclass(frozen=True, slots=True)
class MixedConfig:
    """Load, work mix and replica settings of the `mixed_work` benchmark."""

    jobs: int = 40
    rate: float = 4.0
    languages: tuple[str, ...] = ("fr", "de")
    replicas: int = 2
    slow_fraction: float = 0.1
    fast_s: float = 0.010
    slow_s: float = 2.0
    warmup: int = 4
    timeout_s: float = 60.0
    """How long to wait for the last jobs after the last submission before calling them stuck."""
    concurrency: int | None = None
    """REDUB_CONCURRENCY of each replica; None keeps each stage's own default."""


@dataclass(frozen=True, slots=True)
class RunResult:
    """One run: latency of every completed job, the jobs' slow items, the replicas' work."""

    label: str
    latencies_ms: dict[str, float]
    slow: dict[str, int]
    """Slow work items per submitted job."""
    stuck: list[str]
    failed: dict[str, str]
    replica_items: dict[str, dict[int, int]]
    """Stage -> replica pid -> items of this run's jobs it handled."""
    items_handled: int
    slow_handled: int

    def latencies(self, slow: bool) -> list[float]:
        """Latencies of the completed jobs with (slow) or without (not slow) a slow item."""
        return [ms for j, ms in self.latencies_ms.items() if (self.slow[j] > 0) == slow]

    def items(self, stage: str) -> int:
        """Items of this run's jobs the stage's replicas handled."""
        return sum(self.replica_items[stage].values())

    def max_share(self, stage: str) -> float:
        """The largest replica's share (0..1) of this stage's items."""
        total = self.items(stage)
        return max(self.replica_items[stage].values()) / total if total else 0.0


async def wait_all(
    done: Completions, job_ids: Sequence[str], timeout: float, replicas: Replicas
) -> list[str]:
    """Until every job completed or failed, or `timeout`; the jobs still missing."""
    deadline = time.monotonic() + timeout
    reported: set[str] = set()
    while True:
        missing = [j for j in job_ids if j not in done.done and j not in done.failed]
        if not missing or time.monotonic() > deadline:
            return missing
        for d in set(replicas.dead()) - reported:
            progress(f"{BENCH}: replica exited while jobs were in flight: {d}")
            reported.add(d)
        await asyncio.sleep(0.05)


async def report_stuck(pool: asyncpg.Pool, stuck: Sequence[str], slow: dict[str, int]) -> None:
    """Where each stuck job's log stops."""
    rows = await pool.fetch(
        "SELECT job_id, count(*) AS n, (array_agg(type ORDER BY seq DESC))[1] AS last"
        " FROM job_events WHERE job_id = ANY($1::uuid[]) GROUP BY job_id",
        [UUID(j) for j in stuck],
    )
    found = {str(r["job_id"]): r for r in rows}
    for j in stuck[:20]:
        r = found.get(j)
        where = f"{r['n']} events, last {r['last']}" if r else "no events"
        progress(f"{BENCH}: stuck job {j}: {where}; {slow[j]} slow item(s)")
    if len(stuck) > 20:
        progress(f"{BENCH}: ... and {len(stuck) - 20} more stuck jobs")


async def drive(
    settings: Settings, cfg: MixedConfig, replicas: Replicas, label: str, slow: bool
) -> tuple[dict[str, float], dict[str, int], list[str], dict[str, str]]:
    """Warm up, submit `cfg.jobs` jobs at `cfg.rate`, wait for all; latencies (ms) of the
    completed jobs, slow items per job, the stuck jobs and the failed ones."""
    assert settings.database_url and settings.nats_url
    fraction = cfg.slow_fraction if slow else 0.0
    store = await PostgresEventStore.connect(settings.database_url, max_size=4)
    bus = await JetStreamBus.connect(
        settings.nats_url, settings.stream_name, settings.subject_prefix
    )
    try:
        await bus.provision()
        await replicas.wait_ready(bus.js, settings.stream_name)
        payload = await submission(settings, cfg.languages)
        done = Completions()

        async def on_completed(msg: Msg) -> None:
            done.completed(_job_id(msg))

        async def on_failed(msg: Msg) -> None:
            done.failure(_job_id(msg), msg.data.decode()[:300])

        prefix = settings.subject_prefix
        await bus.nc.subscribe(f"{prefix}.job.completed", cb=on_completed)
        await bus.nc.subscribe(f"{prefix}.job.failed", cb=on_failed)
        committer = GroupCommitter(store, bus)

        async def submit(job_id: str) -> None:
            jid = UUID(job_id)
            event = NewEvent(job_id=jid, payload=payload, correlation_id=jid, user_id=USER)
            await committer.commit(Commit(jid, [event], expected_version=0))

        rng = random.Random(f"{BENCH}:{label}:warm-up")
        warm: list[str] = []
        while len(warm) < cfg.warmup:  # jobs without slow items, untimed
            if slow_items(j := _uuid(rng), cfg.languages, fraction) == 0:
                warm.append(j)
        await asyncio.gather(*(submit(j) for j in warm))
        if missing := await wait_all(done, warm, WARMUP_TIMEOUT_S, replicas):
            raise TimeoutError(f"{len(missing)} warm-up jobs not done in {WARMUP_TIMEOUT_S:.0f} s")
        await asyncio.sleep(0.5)

        ids = job_ids(cfg, label, fraction)
        slow_per_job = {j: slow_items(j, cfg.languages, fraction) for j in ids}
        progress(
            f"{BENCH}: {label}: {len(ids)} jobs at {cfg.rate:g}/s, "
            f"{sum(n == 0 for n in slow_per_job.values())} without slow items"
        )
        # Latency counts from the scheduled submit time: a slow submit does not delay the next.
        started: dict[str, float] = {}
        tasks: list[asyncio.Task[None]] = []
        t0 = time.perf_counter() + 0.05
        for n, job_id in enumerate(ids):
            at = t0 + n / cfg.rate
            await asyncio.sleep(max(0.0, at - time.perf_counter()))
            started[job_id] = at
            tasks.append(asyncio.create_task(submit(job_id)))
        await asyncio.gather(*tasks)
        missing = await wait_all(done, ids, cfg.timeout_s, replicas)
        failed = {j: done.failed[j] for j in ids if j in done.failed}
        for j, what in list(failed.items())[:5]:
            progress(f"{BENCH}: {label}: job {j} failed: {what}")
        if missing:
            progress(
                f"{BENCH}: {label}: {len(missing)} of {len(ids)} jobs not completed "
                f"{cfg.timeout_s:.0f} s after the last submission"
            )
            await report_stuck(store.pool, missing, slow_per_job)
        ok = [j for j in ids if j in done.done and j not in failed]
        await verify_jobs(store.pool, ok, len(cfg.languages))
        latencies = {j: (done.done[j] - started[j]) * 1000 for j in ok}
        return latencies, slow_per_job, missing, failed
    finally:
        await bus.close()
        await store.close()


def replica_env(cfg: MixedConfig, slow: bool) -> dict[str, str]:
    """What each replica reads: the instant providers, the work mix, its concurrency."""
    env = {
        **INSTANT_ENV,
        "BENCH_SLOW_FRACTION": str(cfg.slow_fraction if slow else 0.0),
        "BENCH_FAST_S": str(cfg.fast_s),
        "BENCH_SLOW_S": str(cfg.slow_s),
    }
    # The stages' own limits unless set: the instant bench's concurrency does not apply.
    env.pop("REDUB_CONCURRENCY", None)
    if cfg.concurrency:
        env["REDUB_CONCURRENCY"] = str(cfg.concurrency)
    return env


def _uuid(rng: random.Random) -> str:
    return str(UUID(int=rng.getrandbits(128), version=4))


def job_ids(cfg: MixedConfig, label: str, fraction: float) -> list[str]:
    """`cfg.jobs` job ids from the first seed ("mixed_work:<label>:<n>", n = 0, 1, ...) whose
    jobs have exactly round(fraction x items) slow items: hashes of 280 items scatter by about
    ±2 percentage points around 10 %, so a run gets the share asked for, the same in every
    invocation."""
    items = cfg.jobs * len(job_items(cfg.languages))
    want = round(fraction * items)
    for n in range(10_000):
        rng = random.Random(f"{BENCH}:{label}:{n}")
        ids = [_uuid(rng) for _ in range(cfg.jobs)]
        if sum(slow_items(j, cfg.languages, fraction) for j in ids) == want:
            return ids
    return ids  # no seed hit the exact count (tiny runs): the last draw, whatever its share


def _job_id(msg: Msg) -> str:
    return str(json.loads(msg.data)["job_id"])


def run_once(settings: Settings, root: Path, cfg: MixedConfig, label: str, slow: bool) -> RunResult:
    """Fresh replicas (with or without slow items), one timed load, the replicas' counts."""
    with ExitStack() as cleanup:
        replicas = Replicas(settings, root / label, cfg.replicas, replica_env(cfg, slow))
        cleanup.callback(replicas.stop)
        progress(
            f"{BENCH}: {label}: starting {cfg.replicas} replicas of each stage "
            f"(REDUB_CONCURRENCY={replicas.env.get('REDUB_CONCURRENCY', 'per stage')})"
        )
        replicas.start()
        latencies, slow_per_job, stuck, failed = asyncio.run(
            drive(settings, cfg, replicas, label, slow)
        )
        replicas.stop()  # drained: every line is written
        per_replica, items, slow_items_handled = replicas.items(set(slow_per_job))
    result = RunResult(
        label, latencies, slow_per_job, stuck, failed, per_replica, items, slow_items_handled
    )
    expected = (len(slow_per_job) * len(job_items(cfg.languages)), sum(slow_per_job.values()))
    if (items, slow_items_handled) != expected:
        progress(
            f"{BENCH}: {label}: replicas handled {items} items ({slow_items_handled} slow), "
            f"one clean pass is {expected[0]} ({expected[1]} slow): redeliveries or stuck jobs"
        )
    _progress_run(result)
    return result


def _progress_run(r: RunResult) -> None:
    fast = r.latencies(slow=False)
    text = (
        f"p50 {percentile(fast, 50):.0f} ms, p99 {percentile(fast, 99):.0f} ms"
        if fast
        else "none completed"
    )
    progress(
        f"{BENCH}: {r.label}: {len(r.latencies_ms)} jobs completed; {len(fast)} without slow "
        f"items: {text}; {r.slow_handled} of {r.items_handled} items slow"
    )
    for stage, pids in r.replica_items.items():
        counts = ", ".join(f"pid {pid}: {n}" for pid, n in pids.items())
        progress(f"{BENCH}: {r.label}: {stage} items by replica: {counts}")


def run_mixed(settings: Settings, root: Path, cfg: MixedConfig) -> list[RunResult]:
    """The run without slow items, then the one with them, on the same servers."""
    return [run_once(settings, root, cfg, label, slow) for label, slow in RUNS]


def emit_mixed(results: Sequence[RunResult], cfg: MixedConfig, settings: Settings) -> None:
    """Each run's figures; the slow run's fast-job latencies have the first run's as baseline."""
    emit(figure(BENCH, "replicas_per_stage", cfg.replicas, "processes"))
    emit(figure(BENCH, "replica_concurrency", cfg.concurrency or 0, "items (0: each stage's own)"))
    emit(figure(BENCH, "languages_per_job", len(cfg.languages), "languages"))
    emit(figure(BENCH, "steady_rate", cfg.rate, "jobs/s"))
    per_job = len(job_items(cfg.languages))
    base: dict[int, float] = {}
    p50s: list[float] = []
    summary: list[str] = []
    for r in results:
        m = r.label
        fast = r.latencies(slow=False)
        emit(figure(BENCH, f"{m}.jobs_submitted", len(r.slow), "jobs"))
        emit(figure(BENCH, f"{m}.jobs_stuck_or_failed", len(r.stuck) + len(r.failed), "jobs"))
        emit(figure(BENCH, f"{m}.fast_jobs_completed", len(fast), "jobs"))
        planned = sum(r.slow.values()) / (len(r.slow) * per_job) * 100 if r.slow else 0.0
        emit(figure(BENCH, f"{m}.slow_items", planned, "%"))
        if fast:
            for p in (50, 99):
                value = percentile(fast, p)
                emit(figure(BENCH, f"{m}.fast_job_latency_p{p}", value, "ms", base.get(p)))
                base.setdefault(p, value)
            p50s.append(percentile(fast, 50))
        if slowed := r.latencies(slow=True):
            emit(figure(BENCH, f"{m}.slow_job_latency_p50", percentile(slowed, 50), "ms"))
        shares = {s: r.max_share(s) for s in STAGES if r.items(s)}
        for stage, share in shares.items():
            emit(
                figure(
                    BENCH,
                    f"{m}.replica_share_max.{stage}",
                    share * 100,
                    "%",
                    target=f"<= {SHARE_TARGET:.0%}",
                    met=share <= SHARE_TARGET,
                )
            )
        if shares:
            stage, share = max(shares.items(), key=lambda kv: kv[1])
            summary.append(
                f"{m}: largest replica share {share:.1%} ({stage}; target <= "
                f"{SHARE_TARGET:.0%}) {'met' if share <= SHARE_TARGET else 'NOT met'}"
            )
    if len(p50s) == 2 and len(results) == 2:
        ratio = p50s[1] / p50s[0]
        met = ratio <= RATIO_TARGET
        emit(
            figure(BENCH, "fast_job_p50_ratio", ratio, "x", target=f"<= {RATIO_TARGET:g}", met=met)
        )
        summary.insert(
            0,
            f"fast-job p50 {p50s[1]:.0f} ms with slow items / {p50s[0]:.0f} ms without = "
            f"{ratio:.2f}x (target <= {RATIO_TARGET:g}) {'met' if met else 'NOT met'}",
        )
    else:
        summary.insert(
            0, "fast-job p50 ratio not measured: a run completed no job without slow items"
        )
    progress(f"{BENCH}: targets: " + "; ".join(summary))

"""`GET /v1/jobs/{id}` with auth and row-level security at a fixed concurrency, next to the same
server's `GET /healthz` in the same run: requests/s and latency percentiles, medians of rounds."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

from bench.http_load import run_load
from bench.stats import median, percentile
from bench.stems import USER, submission
from libs.auth.tokens import mint_token
from libs.config.settings import Settings
from libs.events.commit import Commit
from libs.events.envelope import NewEvent
from libs.events.postgres_store import PostgresEventStore


@dataclass(frozen=True, slots=True)
class ReadConfig:
    """The load: workers at once, seconds per round, rounds (medians are reported)."""

    concurrency: int = 32
    seconds: float = 4.0
    rounds: int = 3
    jobs: int = 50


@dataclass(frozen=True, slots=True)
class ReadRun:
    """One round of one route."""

    requests_per_s: float
    p50_ms: float
    p99_ms: float


async def seed_jobs(settings: Settings, owner_url: str, n: int) -> list[UUID]:
    """`n` submitted jobs of the benchmark's user, appended as the stages would."""
    store = await PostgresEventStore.connect(owner_url, max_size=2)
    payload = await submission(settings, ["fr", "de"])
    ids = []
    for _ in range(n):
        job = uuid4()
        event = NewEvent(job_id=job, payload=payload, correlation_id=job, user_id=USER)
        await store.append([Commit(job, [event], expected_version=0)])
        ids.append(job)
    await store.close()
    return ids


async def load(base: str, paths: Sequence[str], token: str, cfg: ReadConfig) -> ReadRun:
    """`cfg.concurrency` clients asking for random `paths` for `cfg.seconds`."""
    done = await run_load(
        base,
        paths,
        concurrency=cfg.concurrency,
        seconds=cfg.seconds,
        headers={"Authorization": f"Bearer {token}"},
    )
    ms = [x * 1000 for x in done.latencies]
    return ReadRun(len(ms) / done.elapsed_s, percentile(ms, 50), percentile(ms, 99))


async def measure_reads(
    base: str, secret: str, jobs: Sequence[UUID], cfg: ReadConfig
) -> tuple[ReadRun, ReadRun]:
    """(job reads, health checks): rounds interleaved, medians of each figure."""
    token = mint_token(USER, secret)
    job_paths = [f"/v1/jobs/{j}" for j in jobs]
    await load(base, job_paths, token, ReadConfig(cfg.concurrency, 1.0, 1))  # warm-up
    reads, health = [], []
    for _ in range(cfg.rounds):
        reads.append(await load(base, job_paths, token, cfg))
        health.append(await load(base, ["/healthz"], token, cfg))
    return _median(reads), _median(health)


def _median(runs: list[ReadRun]) -> ReadRun:
    return ReadRun(
        median([r.requests_per_s for r in runs]),
        median([r.p50_ms for r in runs]),
        median([r.p99_ms for r in runs]),
    )

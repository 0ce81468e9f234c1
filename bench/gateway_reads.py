"""`GET /v1/jobs/{id}` with auth and row-level security at a fixed concurrency, next to the same
server's `GET /healthz` in the same run: requests/s and latency percentiles, medians of rounds."""

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

from bench.http_load import run_load
from bench.replay import backend_cpu_s
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
    # CPU the gateway process spent per request (ms): what the route costs, whatever the load
    # of the machine's other processes does to the wall-clock figures.
    server_cpu_ms: float


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


async def load(
    base: str, paths: Sequence[str], token: str, cfg: ReadConfig, server_pid: int
) -> ReadRun:
    """`cfg.concurrency` clients asking for random `paths` for `cfg.seconds`."""
    cpu0 = backend_cpu_s(server_pid)
    done = await run_load(
        base,
        paths,
        concurrency=cfg.concurrency,
        seconds=cfg.seconds,
        headers={"Authorization": f"Bearer {token}"},
    )
    cpu_ms = (backend_cpu_s(server_pid) - cpu0) * 1000 / max(1, len(done.latencies))
    ms = [x * 1000 for x in done.latencies]
    return ReadRun(len(ms) / done.elapsed_s, percentile(ms, 50), percentile(ms, 99), cpu_ms)


async def measure_reads(
    base: str, secret: str, jobs: Sequence[UUID], cfg: ReadConfig, server_pid: int
) -> tuple[ReadRun, ReadRun]:
    """(job reads, health checks) of the gateway process `server_pid`: rounds interleaved,
    medians of each figure."""
    token = mint_token(USER, secret)
    job_paths = [f"/v1/jobs/{j}" for j in jobs]
    warm_up = ReadConfig(cfg.concurrency, 1.0, 1)
    await load(base, job_paths, token, warm_up, server_pid)
    reads, health = [], []
    for _ in range(cfg.rounds):
        reads.append(await load(base, job_paths, token, cfg, server_pid))
        health.append(await load(base, ["/healthz"], token, cfg, server_pid))
    return _median(reads), _median(health)


def _median(runs: list[ReadRun]) -> ReadRun:
    return ReadRun(
        median([r.requests_per_s for r in runs]),
        median([r.p50_ms for r in runs]),
        median([r.p99_ms for r in runs]),
        median([r.server_cpu_ms for r in runs]),
    )

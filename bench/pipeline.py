"""The pipeline benchmark: jobs through every stage process, on real NATS and PostgreSQL."""

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import ExitStack
from pathlib import Path
from uuid import UUID

from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from bench.load import Completions
from bench.measure import LoadConfig, Target
from bench.profiling import sampled
from bench.report import REPO, progress
from bench.stems import USER, submission
from bench.verify import verify_jobs
from libs.config.settings import Settings
from libs.events.commit import Commit
from libs.events.envelope import NewEvent
from libs.events.group_commit import GroupCommitter
from libs.events.jetstream_bus import JetStreamBus
from libs.events.postgres_store import PostgresEventStore
from libs.servers import EmbeddedNats, EmbeddedPostgres
from redub.runtime.dev_stack import DevStack

STAGES = ("transcriber", "translator", "synthesizer", "mixer")
INSTANT_ENV = {
    "REDUB_STT_PROVIDER": "instant",
    "REDUB_TRANSLATOR_PROVIDER": "pseudo",
    "REDUB_TTS_PROVIDER": "instant",
    "REDUB_MIXER_ENGINE": "instant",
    # The backbone is measured, not media work: no decoding of the stems for voice pitch.
    "REDUB_MEASURE_VOICE_PITCH": "false",
    "REDUB_LOG_LEVEL": "WARNING",
    # Instant providers finish in microseconds: each process may work on many at once.
    "REDUB_CONCURRENCY": "64",
}


def bench_settings(
    root: Path, nats: EmbeddedNats, postgres: EmbeddedPostgres, files: Path | None = None
) -> Settings:
    """Settings pointing at this run's servers and state folder; blobs and scratch files
    go under `files` when given."""
    return Settings(
        nats_url=nats.url,
        database_url=postgres.url,
        state_dir=root / "state",
        storage_dir=files / "blobs" if files else None,
        scratch_dir=files / "scratch" if files else None,
        stream_name="BENCH",
        subject_prefix="bench",
        gateway_port=0,
    )


def start_stages(
    settings: Settings, cleanup: ExitStack, *, null: bool = False, gc_young_threshold: int = 0
) -> DevStack:
    """Spawn one process per stage, stopped by `cleanup`: `redub serve <stage>` with the
    instant providers, or with `null` the storage-free twins of `bench.null_stage`; the
    stages run with `REDUB_GC_YOUNG_THRESHOLD=gc_young_threshold`."""
    env = {**INSTANT_ENV, "REDUB_GC_YOUNG_THRESHOLD": str(gc_young_threshold)}
    stack = DevStack(settings, services=() if null else STAGES, extra_env=env)
    cleanup.callback(stack.stop)
    stack.start()
    if null:
        logs = stack.state_dir / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for name in STAGES:
            with (logs / f"{name}.log").open("ab") as log:
                stack.procs[name] = subprocess.Popen(
                    [sys.executable, "-m", "bench.null_stage", name],
                    env=stack.env(),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    cwd=REPO,
                )
    return stack


async def wait_consumers(
    js: JetStreamContext, stream: str, stack: DevStack, timeout: float = 60.0
) -> None:
    """Until every stage has created its durable consumer (or a stage process died)."""
    deadline = time.monotonic() + timeout
    for name in STAGES:
        while True:
            proc = stack.procs[name]
            if proc.poll() is not None:
                log = stack.state_dir / "logs" / f"{name}.log"
                raise RuntimeError(f"stage {name} exited ({proc.returncode}); see {log}")
            try:
                await js.consumer_info(stream, name)
                break
            except NotFoundError:
                if time.monotonic() > deadline:
                    raise TimeoutError(
                        f"stage {name} did not subscribe in {timeout:.0f} s"
                    ) from None
                await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def pipeline_target(
    name: str,
    settings: Settings,
    stack: DevStack,
    cpu_trees: dict[str, int],
    cfg: LoadConfig,
    languages: list[str],
    profile: Path | None = None,
) -> AsyncIterator[Target]:
    """The pipeline as a system under test: submit like the gateway does (group commit),
    wait for `job.completed` on the bus, then check every job's log."""
    assert settings.database_url and settings.nats_url
    store = await PostgresEventStore.connect(settings.database_url, max_size=cfg.concurrency)
    bus = await JetStreamBus.connect(
        settings.nats_url, settings.stream_name, settings.subject_prefix
    )
    try:
        await bus.provision()
        await wait_consumers(bus.js, settings.stream_name, stack)
        payload = await submission(settings, languages)
        done = Completions()

        async def on_completed(msg: Msg) -> None:
            done.completed(json.loads(msg.data)["job_id"])

        async def on_failed(msg: Msg) -> None:
            data = json.loads(msg.data)
            done.failure(data["job_id"], json.dumps(data["payload"]))

        prefix = settings.subject_prefix
        await bus.nc.subscribe(f"{prefix}.job.completed", cb=on_completed)
        await bus.nc.subscribe(f"{prefix}.job.failed", cb=on_failed)

        committer = GroupCommitter(store, bus)

        async def submit(job_id: str) -> None:
            jid = UUID(job_id)
            event = NewEvent(job_id=jid, payload=payload, correlation_id=jid, user_id=USER)
            await committer.commit(Commit(jid, [event], expected_version=0))

        async def count(job_ids: Sequence[str]) -> int:
            return await verify_jobs(store.pool, job_ids, len(languages))

        trees = dict(cpu_trees)
        trees.update({name: proc.pid for name, proc in stack.procs.items()})
        stage_pids = {name: proc.pid for name, proc in stack.procs.items()}
        target = Target(
            name,
            submit,
            done,
            count,
            trees,
            {"bench": os.getpid()},
            around_burst=lambda: sampled(stage_pids, profile and profile / "pipeline"),
        )
        progress(f"{name}: stages up ({', '.join(STAGES)}), {len(languages)} languages per job")
        yield target
    finally:
        await bus.close()
        await store.close()

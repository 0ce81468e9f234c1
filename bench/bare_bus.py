"""The baseline: bare JetStream with the pipeline's hops and fan-out, no event store."""

import asyncio
import contextlib
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import ExitStack
from pathlib import Path
from uuid import uuid4

import nats
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import StorageType, StreamConfig
from nats.js.errors import NotFoundError

from bench.bare_worker import ROLES
from bench.load import Completions
from bench.measure import Target
from bench.profiling import sampled
from bench.report import REPO, progress
from bench.verify import LogMismatch, expected_types

STREAM = "BARE"
PREFIX = "bare"
PAD = "x" * 600  # brings a message near the size of a pipeline event on the wire
Workers = dict[str, subprocess.Popen[bytes]]


def start_workers(url: str, batch: int, logs: Path, cleanup: ExitStack) -> Workers:
    """One worker process per role (as many as the pipeline has stages)."""
    logs.mkdir(parents=True, exist_ok=True)
    workers: Workers = {}
    for role in ROLES:
        with (logs / f"bare-{role}.log").open("ab") as log:
            workers[role] = subprocess.Popen(
                [sys.executable, "-m", "bench.bare_worker", role, url, STREAM, PREFIX, str(batch)],
                stdout=log,
                stderr=subprocess.STDOUT,
                cwd=REPO,
            )
        cleanup.callback(_stop, workers[role])
    return workers


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.asynccontextmanager
async def bare_target(
    url: str,
    spawn: Callable[[], Workers],
    cpu_trees: dict[str, int],
    languages: list[str],
    profile: Path | None = None,
) -> AsyncIterator[Target]:
    """The bare bus as a system under test: creates its stream, then `spawn`s the workers
    (which may return ones started by an earlier call)."""
    nc = await nats.connect(url, connect_timeout=5)
    js = nc.jetstream(publish_async_max_pending=4000)
    try:
        await js.add_stream(
            StreamConfig(
                name=STREAM,
                subjects=[f"{PREFIX}.>"],
                storage=StorageType.FILE,
                duplicate_window=120.0,
            )
        )
        workers = spawn()
        await _wait_consumers(js, workers)
        done = Completions()

        async def on_completed(msg: Msg) -> None:
            done.completed(json.loads(msg.data)["job_id"])

        await nc.subscribe(f"{PREFIX}.completed", cb=on_completed)

        async def submit(job_id: str) -> None:
            body = {"id": str(uuid4()), "job_id": job_id, "langs": languages, "pad": PAD}
            await js.publish(
                f"{PREFIX}.job",
                json.dumps(body, separators=(",", ":")).encode(),
                headers={"Nats-Msg-Id": body["id"]},
            )

        per_job = sum(expected_types(len(languages)).values())
        seen = [(await js.stream_info(STREAM)).state.messages]  # earlier pairings' jobs

        async def count(job_ids: Sequence[str]) -> int:
            # Bursts run one at a time, so the stream's growth is this burst's jobs.
            await asyncio.sleep(0.2)  # let the last dub of a job land next to its completion
            total = (await js.stream_info(STREAM)).state.messages
            grown, seen[0] = total - seen[0], total
            if grown != per_job * len(job_ids):
                raise LogMismatch(f"bare bus: {grown} messages for {len(job_ids)} jobs")
            return grown

        trees = dict(cpu_trees) | {role: p.pid for role, p in workers.items()}
        pids = {role: p.pid for role, p in workers.items()}
        target = Target(
            "bare bus",
            submit,
            done,
            count,
            trees,
            {"bench": os.getpid()},
            around_burst=lambda: sampled(pids, profile and profile / "bare"),
        )
        progress("bare bus: workers up")
        yield target
    finally:
        await nc.drain()


async def _wait_consumers(js: JetStreamContext, workers: Workers, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    for role, proc in workers.items():
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"bare worker {role} exited ({proc.returncode})")
            try:
                await js.consumer_info(STREAM, role)
                break
            except NotFoundError:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"bare worker {role} did not subscribe") from None
                await asyncio.sleep(0.1)

"""`redub republish`: the stream is lost with jobs in flight and rebuilt from job_events;
every job completes and no step runs twice (the stages' pre-check drops handled events)."""

import asyncio
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import nats
import psycopg

from redub.runtime.dev_stack import DevStack
from tests.support.api import (
    INSTANT,
    client,
    event_counts,
    expected_counts,
    submit,
    upload,
    wait_finished,
)
from tests.support.faults import consumers, wait_consumers_idle
from tests.support.media import silent_voice_and_bed

LANGUAGES = ["fr", "de"]


async def _delete_stream(url: str, stream: str) -> None:
    nc = await nats.connect(url)
    try:
        assert await nc.jetstream().delete_stream(stream)
    finally:
        await nc.close()


async def _stream_messages(url: str, stream: str) -> int:
    nc = await nats.connect(url)
    try:
        return int((await nc.jetstream().stream_info(stream)).state.messages)
    finally:
        await nc.close()


def _log_size(database_url: str) -> int:
    with psycopg.connect(database_url) as conn:
        return int(conn.execute("SELECT count(*) FROM job_events").fetchone()[0])  # type: ignore[index]


def _submit_at_once(stack: DevStack, voice: str, bed: str, n: int) -> list[str]:
    """Submit `n` jobs concurrently (a client each); their ids."""

    def one(_: int) -> str:
        with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
            return str(submit(c, voice, bed, LANGUAGES)["job_id"])

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(one, range(n)))


def _republish(stack: DevStack, stream: str) -> str:
    out = subprocess.run(
        [sys.executable, "-m", "redub.cli.main", "republish", "--from", "1"],
        env=stack.env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert f"stream {stream}: missing, created" in out.stdout
    return out.stdout


def test_a_lost_stream_is_rebuilt_from_the_log(
    start_stack: Any, nats_url: str, database_url: str, stream_prefix: str, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(**INSTANT)
    stream = stream_prefix.upper()
    voice, bed = silent_voice_and_bed(tmp_path, 2.0)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        v, b = upload(c, voice), upload(c, bed)
        before = [submit(c, v, b, LANGUAGES)["job_id"] for _ in range(3)]
        asyncio.run(_delete_stream(nats_url, stream))
        # Accepted while the stream is gone (the log has them), but nothing moves them on.
        # Each submission waits out the gateway's publish timeout (10 s: its own watchers
        # are subscribed to the subjects, so no "no responders" comes back), so all at once.
        during = _submit_at_once(stack, v, b, 3)
        time.sleep(1.0)
        stuck = [c.get(f"/v1/jobs/{j}").json()["status"] for j in during]
        assert stuck == ["submitted"] * 3
        assert "republished" in _republish(stack, stream)
        done = [wait_finished(c, job, timeout=30) for job in before + during]
    assert [d["status"] for d in done] == ["completed"] * 6
    for job in before + during:
        assert event_counts(database_url, job) == expected_counts(LANGUAGES), job
    # The rebuilt stream holds the whole log once: republished copies were deduplicated.
    assert asyncio.run(_stream_messages(nats_url, stream)) == _log_size(database_url)

    # Lost again once everything is done: the new stream has no duplicate memory, so every
    # stage gets every event again, and its pre-check must make each one a no-op.
    counts = {job: event_counts(database_url, job) for job in before + during}
    asyncio.run(_delete_stream(nats_url, stream))
    _republish(stack, stream)
    deadline = time.monotonic() + 20
    while len(consumers(nats_url, stream)) < 5:  # the stages create theirs again
        assert time.monotonic() < deadline, "the stages did not recreate their consumers"
        time.sleep(0.2)
    infos = wait_consumers_idle(nats_url, [stream])
    assert sum(i.delivered.stream_seq for i in infos if i.name == "transcriber") > 0
    assert {job: event_counts(database_url, job) for job in before + during} == counts

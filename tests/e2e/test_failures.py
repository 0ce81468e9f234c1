"""Crashes, lost publishes and handlers that always fail: nothing lost, nothing doubled."""

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import psycopg

from redub.runtime.dev_stack import DevStack
from tests.support.api import (
    INSTANT,
    SPEAKING,
    client,
    event_counts,
    expected_counts,
    submit,
    upload,
    wait_finished,
)
from tests.support.media import silent_voice_and_bed


def test_stage_killed_mid_message_is_redelivered_and_counted_once(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    # 80 lines to speak per language (espeak-ng runs, as many at once as there are cores:
    # about a second on two) keep the synthesizer busy well past the first clip; the check
    # after the kill says whether they did.
    stack: DevStack = start_stack(
        **SPEAKING,
    )
    voice, background = silent_voice_and_bed(tmp_path, seconds=240)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        job = submit(c, upload(c, voice), upload(c, background), ["fr", "de"])
        clips = stack.settings.blob_root / "jobs" / job["job_id"]
        deadline = time.monotonic() + 60
        while not list(clips.glob("synthesizer/*/*/clips/*.wav")):
            assert time.monotonic() < deadline, "the synthesizer never started"
            time.sleep(0.02)
        killed = stack.procs["synthesizer"]
        stack.stop_service("synthesizer", sig=signal.SIGKILL)
        assert killed.returncode == -signal.SIGKILL
        # Killed mid-message: neither language's speech was committed.
        assert ("speech.ready", "fr") not in event_counts(database_url, job["job_id"])
        assert ("speech.ready", "de") not in event_counts(database_url, job["job_id"])
        assert c.get(f"/v1/jobs/{job['job_id']}").json()["status"] != "completed"
        stack.start_service("synthesizer")
        done = wait_finished(c, job["job_id"], timeout=120)
    assert done["status"] == "completed", done
    assert event_counts(database_url, job["job_id"]) == expected_counts(["fr", "de"])


def test_event_committed_by_a_writer_that_died_before_publishing_still_flows(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(**INSTANT)
    voice, background = silent_voice_and_bed(tmp_path)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        ids = upload(c, voice), upload(c, background)
    # A gateway-like writer: commits job.submitted, then is SIGKILLed before it publishes.
    writer = f"""
import asyncio, os, signal, uuid
from libs.config.settings import Settings
from libs.events.commit import Commit
from libs.events.envelope import NewEvent
from libs.events.postgres_store import PostgresEventStore
from services.gateway.submission import build_submission
from services.gateway.schemas import JobRequest
from services.gateway.uploads import get_upload
from tests.support.builders import USER

async def main():
    store = await PostgresEventStore.connect({database_url!r})
    body = JobRequest(voice_upload_id={ids[0]!r}, background_upload_id={ids[1]!r},
                      target_languages=["fr", "de"])
    v = await get_upload(store.pool, body.voice_upload_id, USER)
    b = await get_upload(store.pool, body.background_upload_id, USER)
    job = uuid.uuid4()
    event = NewEvent(job_id=job, payload=build_submission(body, v, b, USER, Settings()),
                     correlation_id=job, user_id=USER)
    await store.append([Commit(job, [event], expected_version=0)])
    print(job, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)

asyncio.run(main())
"""
    proc = subprocess.run(
        [sys.executable, "-c", writer],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[2],
        timeout=60,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    job_id = proc.stdout.strip()
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (1,)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        done = wait_finished(c, job_id, timeout=60)
    assert done["status"] == "completed"
    assert event_counts(database_url, job_id) == expected_counts(["fr", "de"])
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT count(*) FROM outbox").fetchone() == (0,)


def test_handler_that_always_fails_ends_in_failure_events_and_a_failed_job(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(
        **SPEAKING,
        REDUB_ESPEAK_BIN="/nonexistent/espeak-ng",
        REDUB_MAX_DELIVER="3",
    )
    voice, background = silent_voice_and_bed(tmp_path)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        job = submit(c, upload(c, voice), upload(c, background), ["fr", "de"])
        done = wait_finished(c, job["job_id"], timeout=60)
    assert done["status"] == "failed"
    assert done["failure"]["reason"] == "every target language failed"
    for lang in ("fr", "de"):
        task = done["tasks"][lang]
        assert task["status"] == "failed" and task["failure_stage"] == "synthesizer"
        assert "espeak" in task["failure_reason"]
    attempts = [f["attempts"] for f in done["failures"]]
    assert attempts == [3, 3]
    counts = event_counts(database_url, job["job_id"])
    assert counts[("stage.failed", "fr")] == counts[("language.failed", "de")] == 1
    assert counts[("job.failed", None)] == 1 and counts[("speech.ready", "fr")] == 0

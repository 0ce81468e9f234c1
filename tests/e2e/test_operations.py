"""Operations: retention purge by the janitor, and draining a stage on SIGTERM."""

import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

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


def test_janitor_purges_blobs_past_retention_and_keeps_the_log(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    # Retention of about a second, swept twice a second.
    stack: DevStack = start_stack(
        **INSTANT,
        REDUB_RETENTION_HOURS="0.0003",
        REDUB_SWEEP_INTERVAL_S="0.5",
    )
    voice, bed = silent_voice_and_bed(tmp_path, 3.0)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        job = submit(c, upload(c, voice), upload(c, bed), ["fr"])
        assert wait_finished(c, job["job_id"])["status"] == "completed"
        blobs = stack.settings.blob_root / "jobs" / job["job_id"]
        assert any(p.is_file() for p in blobs.rglob("*"))
        deadline = time.monotonic() + 30
        while (view := c.get(f"/v1/jobs/{job['job_id']}").json())["purged_at"] is None:
            assert time.monotonic() < deadline, "never purged"
            time.sleep(0.2)
        assert all(a["purged_at"] for a in view["artifacts"])
        assert not any(p.is_file() for p in blobs.rglob("*"))
        uploads = stack.settings.blob_root / "uploads"
        assert not any(p.is_file() for p in uploads.rglob("*")), "the stems are purged too"
        r = c.get(f"/v1/jobs/{job['job_id']}/artifacts/fr/mix")
        assert r.status_code == 410 and r.json()["error"]["code"] == "artifact_purged"
    counts = event_counts(database_url, job["job_id"])
    assert counts[("deletion.requested", None)] == counts[("artifacts.purged", None)] == 1
    # Nothing else is due: a dry run lists nothing and writes nothing.
    dry = subprocess.run(
        [sys.executable, "-m", "redub.cli.main", "janitor", "purge", "--dry-run"],
        env=stack.env(),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert "Totals (would delete): 0 job(s), 0 object(s), 0 bytes" in dry.stdout
    assert event_counts(database_url, job["job_id"]) == counts


def test_sigterm_drains_the_message_in_hand_without_redelivery(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(
        **SPEAKING,
        REDUB_ACK_WAIT_S="60",
    )
    voice, bed = silent_voice_and_bed(tmp_path, 300)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        job = submit(c, upload(c, voice), upload(c, bed), ["fr"])
        attempts = stack.settings.blob_root / "jobs" / job["job_id"] / "synthesizer"
        deadline = time.monotonic() + 60
        while not list(attempts.glob("*/fr/clips/*.wav")):
            assert time.monotonic() < deadline, "the synthesizer never started"
            time.sleep(0.02)
        proc = stack.procs["synthesizer"]
        started = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0, "a drained stage exits cleanly"
        # It finished the message it held (no 60 s ack-wait redelivery was needed).
        assert event_counts(database_url, job["job_id"])[("speech.ready", "fr")] == 1
        stack.start_service("synthesizer")
        done = wait_finished(c, job["job_id"], timeout=30)
        assert time.monotonic() - started < 45
    assert done["status"] == "completed"
    assert event_counts(database_url, job["job_id"]) == expected_counts(["fr"])

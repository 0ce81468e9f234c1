"""The embedded blob store's folder goes away under running jobs (unmounted, moved) and comes
back: the stages wait it out, no job fails, and every step is done once."""

import time
from pathlib import Path
from typing import Any

from libs.storage.local_store import MARKER
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
from tests.support.faults import events, metric
from tests.support.media import silent_voice_and_bed

STAGES = ("transcriber", "translator", "synthesizer", "mixer")
FAILURES = {"stage.failed", "language.failed", "job.failed"}


def test_a_vanished_blob_folder_holds_the_work_and_fails_no_job(
    start_stack: Any, database_url: str, tmp_path: Path
) -> None:
    stack: DevStack = start_stack(
        **INSTANT, REDUB_MAX_DELIVER="2", REDUB_ACK_WAIT_S="2", REDUB_BACKOFF_MAX_S="0.5"
    )
    root = stack.settings.blob_root
    away = root.with_name(root.name + "-away")
    voice, bed = silent_voice_and_bed(tmp_path, 2.0)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        ids = upload(c, voice), upload(c, bed)
        root.rename(away)
        root.mkdir()  # an empty mount point is left where the store was
        jobs = [submit(c, *ids, ["fr", "de"])["job_id"] for _ in range(2)]
        # Longer than every delivery's ack wait times its deliveries: a charged delivery
        # would have failed the jobs by now.
        time.sleep(6)
        assert {c.get(f"/v1/jobs/{j}").json()["status"] for j in jobs} == {"submitted"}
        assert not (root / MARKER).exists() and not any(root.iterdir()), "written while away"
        root.rmdir()
        away.rename(root)
        done = [wait_finished(c, j, timeout=30) for j in jobs]
    assert [d["status"] for d in done] == ["completed"] * 2
    assert not [e for e in events(database_url, jobs) if e["type"] in FAILURES]
    for j in jobs:
        assert event_counts(database_url, j) == expected_counts(["fr", "de"]), j
    waited = metric(
        stack.metrics_ports["transcriber"], "redub_stage_outage_retries_total", stage="transcriber"
    )
    assert waited > 0

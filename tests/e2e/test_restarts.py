"""Restarting NATS and PostgreSQL under load, then rebuilding the views from the log."""

import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import psycopg

from redub.runtime.dev_stack import DevStack
from tests.support.api import INSTANT, client, event_counts, expected_counts, upload, wait_finished
from tests.support.media import silent_voice_and_bed

LANGS = ["fr", "de"]


def submit_retrying(c: httpx.Client, ids: tuple[str, str], key: str) -> str:
    """Submit with an Idempotency-Key, retrying while a server is down, as a client would."""
    deadline = time.monotonic() + 60
    while True:
        try:
            r = c.post(
                "/v1/jobs",
                headers={"Idempotency-Key": key},
                json={
                    "voice_upload_id": ids[0],
                    "background_upload_id": ids[1],
                    "target_languages": LANGS,
                },
            )
            if r.status_code in (200, 202):
                return str(r.json()["job_id"])
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "the gateway never recovered"
        time.sleep(0.2)


def views(database_url: str) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(database_url) as conn:
        return {
            "jobs": conn.execute("SELECT * FROM jobs ORDER BY job_id").fetchall(),
        }


def test_restarting_nats_and_postgres_mid_run_loses_and_doubles_nothing(
    make_stack: Any, private_servers: Any, stream_prefix: str, tmp_path: Path
) -> None:
    stack: DevStack = make_stack(
        private_servers.nats_url, private_servers.database_url, stream_prefix, **INSTANT
    )
    voice, bed = silent_voice_and_bed(tmp_path)
    jobs: list[str] = []
    with client(stack.settings.gateway_url, stack.settings.jwt_secret) as c:
        ids = upload(c, voice), upload(c, bed)
        for round_, restart in enumerate(
            (private_servers.nats.restart, private_servers.postgres.restart, None)
        ):
            jobs += [submit_retrying(c, ids, f"r{round_}-{i}") for i in range(6)]
            if restart:
                restart()  # jobs of this round are still in flight
        finished = [wait_finished(c, j, timeout=90) for j in jobs]
    assert [f["status"] for f in finished] == ["completed"] * 18
    for j in jobs:
        assert event_counts(private_servers.database_url, j) == expected_counts(LANGS), j

    # The views are a pure function of the log: rebuilding them changes nothing. Replacing
    # the view table takes its owner; the services' role may not.
    live = views(private_servers.database_url)
    replay = subprocess.run(
        [sys.executable, "-m", "redub.cli.main", "replay"],
        capture_output=True,
        text=True,
        env={**stack.env(), "REDUB_OWNER_DATABASE_URL": private_servers.database_url},
        timeout=120,
        check=True,
    )
    assert f"replayed {18 * 9} events into 18 job views" in replay.stdout
    assert views(private_servers.database_url) == live

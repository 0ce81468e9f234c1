"""Outages held long (not a quick restart) with clients still calling: the gateway answers at
once — a job submitted while NATS is away is accepted and dubbed once NATS is back; while
PostgreSQL is away every call is a 503 with Retry-After in the one error shape."""

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from redub.runtime.dev_stack import DevStack
from tests.support.api import INSTANT, client, event_counts, expected_counts, upload, wait_finished
from tests.support.media import silent_voice_and_bed


def test_a_job_submitted_while_nats_is_away_is_accepted_at_once_and_dubbed_after(
    make_stack: Any, private_servers: Any, stream_prefix: str, tmp_path: Path
) -> None:
    stack: DevStack = make_stack(
        private_servers.nats_url, private_servers.database_url, stream_prefix, **INSTANT
    )
    voice, bed = silent_voice_and_bed(tmp_path)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret or "") as c:
        ids = upload(c, voice), upload(c, bed)
        private_servers.nats.stop()
        try:
            took: dict[str, float] = {}
            started = time.monotonic()
            r = c.post(
                "/v1/jobs",
                json={"voice_upload_id": ids[0], "background_upload_id": ids[1],
                      "target_languages": ["fr"]},
                headers={"Idempotency-Key": "while-nats-is-away"},
            )  # fmt: skip
            took["submit"] = time.monotonic() - started
            assert r.status_code == 202, r.text
            job = r.json()["job_id"]
            started = time.monotonic()
            cancel = c.post(f"/v1/jobs/{job}/cancel")
            took["cancel (of the job, wanted in a second one)"] = time.monotonic() - started
            assert cancel.status_code == 202, cancel.text
            started = time.monotonic()
            r = c.post(
                "/v1/jobs",
                json={"voice_upload_id": ids[0], "background_upload_id": ids[1],
                      "target_languages": ["fr"]},
            )  # fmt: skip
            took["second submit"] = time.monotonic() - started
            assert r.status_code == 202, r.text
            job = r.json()["job_id"]
            started = time.monotonic()
            seen = c.get(f"/v1/jobs/{job}")
            took["read"] = time.monotonic() - started
            assert seen.status_code == 200, seen.text
            started = time.monotonic()
            listed = c.get("/v1/jobs")
            took["list"] = time.monotonic() - started
            assert listed.status_code == 200, listed.text
            started = time.monotonic()
            more = upload(c, voice)
            took["upload"] = time.monotonic() - started
            assert more
            time.sleep(5)
        finally:
            private_servers.nats.start()
        assert all(t < 3 for t in took.values()), took
        done = wait_finished(c, job, timeout=90)
    assert done["status"] == "completed", done
    assert event_counts(private_servers.database_url, job) == expected_counts(["fr"])


def test_while_postgres_is_away_every_call_is_answered_at_once(
    make_stack: Any, private_servers: Any, stream_prefix: str, tmp_path: Path
) -> None:
    stack: DevStack = make_stack(
        private_servers.nats_url, private_servers.database_url, stream_prefix, **INSTANT
    )
    voice, bed = silent_voice_and_bed(tmp_path)
    with client(stack.settings.gateway_url, stack.settings.jwt_secret or "") as c:
        ids = upload(c, voice), upload(c, bed)
        body = {"voice_upload_id": ids[0], "background_upload_id": ids[1],
                "target_languages": ["fr"]}  # fmt: skip
        job = c.post("/v1/jobs", json=body).json()["job_id"]
        assert wait_finished(c, job, timeout=60)["status"] == "completed"
        private_servers.postgres.stop()
        answers: dict[str, tuple[int, float, str, str | None]] = {}
        try:
            calls: dict[str, Callable[[], httpx.Response]] = {
                "submit": lambda: c.post("/v1/jobs", json=body),
                "read": lambda: c.get(f"/v1/jobs/{job}"),
                "list": lambda: c.get("/v1/jobs"),
                "events": lambda: c.get(f"/v1/jobs/{job}/events"),
                "download": lambda: c.get(f"/v1/jobs/{job}/download", params={"language": "fr"}),
                "upload": lambda: c.post(
                    "/v1/uploads/file", files={"file": ("v.wav", voice.read_bytes(), "audio/wav")}
                ),
            }
            for name, call in calls.items():
                started = time.monotonic()
                try:
                    r = call()
                except httpx.TransportError as exc:
                    # uvicorn closes the connection after a response whose handler raised
                    # (the last-resort handler re-raises): the next call on it is reset.
                    answers[name] = (0, round(time.monotonic() - started, 2), repr(exc), None)
                    continue
                answers[name] = (
                    r.status_code,
                    round(time.monotonic() - started, 2),
                    r.text[:120],
                    r.headers.get("retry-after"),
                )
        finally:
            private_servers.postgres.start()
    # The finished job's read may come from the body the gateway kept (nothing can change
    # it while the log is away); any other answer is a quick 503 the client may retry.
    kept = answers.pop("read")
    assert (kept[0] == 200 and kept[1] <= 5) or kept[0] == 503, kept
    bad = {
        n: a
        for n, a in answers.items()
        if a[0] != 503 or a[1] > 5 or a[3] is None or '"error"' not in a[2]
    }
    assert bad == {}, bad

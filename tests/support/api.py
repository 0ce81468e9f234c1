"""A small client of the REST API for end-to-end tests, and checks on the event log."""

import collections
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import psycopg

from libs.auth.tokens import mint_token
from tests.support.builders import USER

# Providers that answer at once: these tests are about the backbone, not the media.
# Real speech synthesis (a real subprocess per line) between instant neighbours: a stage
# that is busy long enough to be killed or drained in the middle of a message.
SPEAKING = {
    "REDUB_STT_PROVIDER": "instant",
    "REDUB_TRANSLATOR_PROVIDER": "pseudo",
    "REDUB_TTS_PROVIDER": "espeak",
    "REDUB_MIXER_ENGINE": "instant",
}
INSTANT = {
    "REDUB_STT_PROVIDER": "instant",
    "REDUB_TRANSLATOR_PROVIDER": "pseudo",
    "REDUB_TTS_PROVIDER": "instant",
    "REDUB_MIXER_ENGINE": "instant",
}


def client(base_url: str, secret: str, user: UUID = USER) -> httpx.Client:
    """An authenticated client."""
    return httpx.Client(
        base_url=base_url,
        timeout=30,
        headers={"Authorization": f"Bearer {mint_token(user, secret)}"},
    )


def upload(c: httpx.Client, path: Path) -> str:
    """Upload a stem; returns its upload id."""
    with path.open("rb") as f:
        r = c.post("/v1/uploads/file", files={"file": (path.name, f, "audio/wav")})
    assert r.status_code == 201, r.text
    return str(r.json()["upload_id"])


def submit(
    c: httpx.Client, voice: str, background: str, languages: list[str], key: str | None = None
) -> dict[str, Any]:
    """Submit a job; returns the job view."""
    headers = {"Idempotency-Key": key} if key else {}
    r = c.post(
        "/v1/jobs",
        headers=headers,
        json={
            "voice_upload_id": voice,
            "background_upload_id": background,
            "target_languages": languages,
        },
    )
    assert r.status_code in (200, 202), r.text
    return dict(r.json())


def wait_finished(c: httpx.Client, job_id: str, timeout: float = 60) -> dict[str, Any]:
    """Poll the job until it completed or failed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = c.get(f"/v1/jobs/{job_id}")
        if r.status_code == 200 and r.json()["status"] in ("completed", "failed"):
            return dict(r.json())
        time.sleep(0.2)
    raise AssertionError(f"job {job_id} did not finish: {c.get(f'/v1/jobs/{job_id}').text}")


def event_counts(database_url: str, job_id: str) -> collections.Counter[tuple[str, str | None]]:
    """(type, language) -> how many such events the job's stream holds."""
    with psycopg.connect(database_url) as conn:
        rows = conn.execute(
            "SELECT type, payload->>'language' FROM job_events WHERE job_id = %s ORDER BY seq",
            (job_id,),
        ).fetchall()
    return collections.Counter((t, lang) for t, lang in rows)


def expected_counts(languages: list[str]) -> collections.Counter[tuple[str, str | None]]:
    """Exactly one event per step for a job that succeeded in every language."""
    c: collections.Counter[tuple[str, str | None]] = collections.Counter(
        {("job.submitted", None): 1, ("transcript.ready", None): 1, ("job.completed", None): 1}
    )
    for lang in languages:
        for t in ("translation.ready", "speech.ready", "dub.ready"):
            c[(t, lang)] = 1
    return c

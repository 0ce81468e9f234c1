"""Hostile use of the jobs API on real PostgreSQL and NATS: a finished job's event stream ends
whatever Last-Event-ID a client resumes from; asking twice to delete now asks once."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
import pytest

from libs.events.catalogue import Artifact, DubReady, TranscriptReady
from tests.support.builders import blob, speech, step, translation
from tests.support.gateway_app import Gateway, gateway
from tests.support.media import tone_wav


@pytest.fixture
async def gw(
    database_url: str, nats_url: str, stream_prefix: str, tmp_path: Path
) -> AsyncIterator[Gateway]:
    async with gateway(database_url, nats_url, stream_prefix, tmp_path) as g:
        yield g


async def stems(gw: Gateway, tmp_path: Path) -> dict[str, str]:
    ids = []
    for name in ("v", "b"):
        path = tone_wav(tmp_path / f"{name}.wav", 3.0)
        r = await gw.client.post(
            "/v1/uploads/file", files={"file": (path.name, path.read_bytes(), "audio/wav")}
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["upload_id"])
    return {"voice_upload_id": ids[0], "background_upload_id": ids[1]}


async def submit(gw: Gateway, body: dict[str, Any]) -> dict[str, Any]:
    r = await gw.client.post("/v1/jobs", json=body)
    assert r.status_code == 202, r.text
    return dict(r.json())


async def finish(gw: Gateway, job_id: UUID, language: str) -> None:
    """Append what the stages would, through the store (the services' role)."""
    transcript = TranscriptReady(
        transcript=blob("t"), segments=1, duration_s=3, target_languages=[language], provider="t"
    )
    await gw.store.append([step(job_id, transcript)])
    for payload in (translation(language), speech(language)):
        await gw.store.append([step(job_id, payload)])
    mix = Artifact(kind="mix", blob=blob(f"jobs/{job_id}/mixer/x/{language}/mix.wav"))
    await gw.store.append([step(job_id, DubReady(language=language, artifacts=[mix]))])


async def _sse(gw: Gateway, url: str, last_event_id: str) -> httpx.Response:
    headers = {"Accept": "text/event-stream", "Last-Event-ID": last_event_id}
    return await gw.client.get(url, headers=headers)


@pytest.mark.parametrize("resume_from", ["last", "past_the_end"])
async def test_a_finished_jobs_event_stream_ends_when_resumed_after_its_last_event(
    gw: Gateway, tmp_path: Path, resume_from: str
) -> None:
    # An EventSource reconnects by itself when the server closes the stream, sending the id
    # of the last frame it got: here job.completed's. `_live` only returns after yielding a
    # terminal event, so with nothing left to yield it polls the database every
    # REDUB_SSE_POLL_S, forever, for every browser that watched a job to its end.
    job = await submit(gw, {**(await stems(gw, tmp_path)), "target_languages": ["fr"]})
    await finish(gw, UUID(job["job_id"]), "fr")
    url = f"/v1/jobs/{job['job_id']}/events"
    listed = (await gw.client.get(url)).json()
    assert listed[-1]["status"] == "completed"
    last = listed[-1]["seq"]
    resume = str(last if resume_from == "last" else last + 100)
    try:
        r = await asyncio.wait_for(_sse(gw, url, resume), timeout=5)
    except TimeoutError:
        pytest.fail(f"the stream of a completed job resumed after seq {resume} never ends")
    assert r.status_code in (200, 204)
    assert "id:" not in r.text


async def test_asking_twice_to_delete_now_asks_the_janitor_once(
    gw: Gateway, tmp_path: Path
) -> None:
    job = await submit(gw, {**(await stems(gw, tmp_path)), "target_languages": ["fr"]})
    job_id = UUID(job["job_id"])
    await finish(gw, job_id, "fr")
    first = await gw.client.delete(f"/v1/jobs/{job_id}/artifacts")
    second = await gw.client.delete(f"/v1/jobs/{job_id}/artifacts")
    assert first.status_code == 202, first.text
    # The route documents 200 "Deleted already"; a client retrying its DELETE (or a hostile
    # one looping on it) appends one more deletion.requested to the append-only log each time.
    requests = [e for e in await gw.store.read_stream(job_id) if e.type == "deletion.requested"]
    assert (second.status_code, len(requests)) == (200, 1), second.text


async def test_cancel_racing_the_last_language_ends_the_job_once(
    gw: Gateway, tmp_path: Path
) -> None:
    # The mixer's last dub.ready and the client's cancel, at the same instant, many times:
    # every answer is a documented one and the job ends exactly once.
    body = await stems(gw, tmp_path)
    for _ in range(10):
        job = await submit(gw, {**body, "target_languages": ["fr"]})
        job_id = UUID(job["job_id"])
        transcript = TranscriptReady(
            transcript=blob("t"), segments=1, duration_s=3, target_languages=["fr"], provider="t"
        )
        await gw.store.append([step(job_id, transcript)])
        for payload in (translation("fr"), speech("fr")):
            await gw.store.append([step(job_id, payload)])
        mix = Artifact(kind="mix", blob=blob(f"jobs/{job_id}/mixer/x/fr/mix.wav"))
        dubbed, cancel = await asyncio.gather(
            gw.store.append([step(job_id, DubReady(language="fr", artifacts=[mix]))]),
            gw.client.post(f"/v1/jobs/{job_id}/cancel"),
            return_exceptions=True,
        )
        assert isinstance(cancel, httpx.Response) and cancel.status_code in (202, 409), cancel
        ends = [
            e.type
            for e in await gw.store.read_stream(job_id)
            if e.type in ("job.completed", "job.cancelled", "job.failed")
        ]
        assert len(ends) == 1, (ends, dubbed, cancel.text)
        view = (await gw.client.get(f"/v1/jobs/{job_id}")).json()
        assert view["status"] in ("completed", "cancelled"), view

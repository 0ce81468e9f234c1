"""The jobs API on real PostgreSQL and NATS: list, cancel, delete, events, limits, options."""

import asyncio
import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

from libs.events.catalogue import Artifact, DubReady, TranscriptReady
from libs.events.jetstream_bus import JetStreamBus
from redub.runtime.connections import local_blob_store
from services.gateway.download_links import Grant, sign_link
from tests.support.builders import USER, blob, speech, step, translation
from tests.support.gateway_app import Gateway, gateway
from tests.support.media import tone_wav

OTHER = uuid4()


@pytest.fixture
async def gw(
    database_url: str, nats_url: str, stream_prefix: str, tmp_path: Path
) -> AsyncIterator[Gateway]:
    async with gateway(database_url, nats_url, stream_prefix, tmp_path, max_running_jobs=3) as g:
        yield g


async def stems(gw: Gateway, tmp_path: Path, seconds: float = 3.0) -> dict[str, str]:
    ids = []
    for name in ("v", "b"):
        path = tone_wav(tmp_path / f"{name}{seconds}.wav", seconds)
        r = await gw.client.post(
            "/v1/uploads/file", files={"file": (path.name, path.read_bytes(), "audio/wav")}
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["upload_id"])
    return {"voice_upload_id": ids[0], "background_upload_id": ids[1]}


async def submit(gw: Gateway, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    r = await gw.client.post("/v1/jobs", json=body, headers=headers)
    assert r.status_code == 202, r.text
    return dict(r.json())


async def finish(gw: Gateway, job_id: UUID, languages: list[str]) -> None:
    """Append what the stages would, through the store (the services' role)."""
    await gw.store.append(
        [
            step(
                job_id,
                TranscriptReady(
                    transcript=blob("t"),
                    segments=1,
                    duration_s=3,
                    target_languages=languages,
                    provider="test",
                ),
            )
        ]
    )
    for lang in languages:
        for payload in (translation(lang), speech(lang)):
            await gw.store.append([step(job_id, payload)])
        artifacts = [Artifact(kind="mix", blob=blob(f"jobs/{job_id}/mixer/x/{lang}/mix.wav"))]
        await gw.store.append([step(job_id, DubReady(language=lang, artifacts=artifacts))])
    # The log's policy completes the job after its last language.


def code(r: Any) -> str:
    return str(r.json()["error"]["code"])


async def test_the_callers_jobs_page_newest_first_with_a_status_filter(
    gw: Gateway, tmp_path: Path
) -> None:
    body = await stems(gw, tmp_path)
    jobs = [await submit(gw, {**body, "target_languages": ["fr"]}) for _ in range(3)]
    await finish(gw, UUID(jobs[0]["job_id"]), ["fr"])
    seen, cursor = [], None
    while True:
        params: dict[str, Any] = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await gw.client.get("/v1/jobs", params=params)).json()
        seen += [j["job_id"] for j in page["jobs"]]
        if not (cursor := page["next_cursor"]):
            break
    assert seen == [j["job_id"] for j in reversed(jobs)]
    done = (await gw.client.get("/v1/jobs", params={"status": "completed"})).json()
    assert [j["job_id"] for j in done["jobs"]] == [jobs[0]["job_id"]]
    theirs = await gw.client.get("/v1/jobs", headers=gw.as_user(OTHER))
    assert theirs.json() == {"jobs": [], "next_cursor": None}
    r = await gw.client.get("/v1/jobs", params={"cursor": "not-a-cursor"})
    assert r.status_code == 422 and code(r) == "invalid_cursor"


async def test_cancel_stops_a_running_job_once_and_not_a_finished_one(
    gw: Gateway, tmp_path: Path
) -> None:
    body = await stems(gw, tmp_path)
    job = await submit(gw, {**body, "target_languages": ["fr", "de"]})
    r = await gw.client.post(f"/v1/jobs/{job['job_id']}/cancel")
    assert r.status_code == 202, r.text
    out = r.json()
    assert out["status"] == "cancelled" and out["cancelled_at"]
    assert {t["status"] for t in out["tasks"].values()} == {"cancelled"}
    assert (await gw.client.post(f"/v1/jobs/{job['job_id']}/cancel")).status_code == 200
    other = await gw.client.post(f"/v1/jobs/{job['job_id']}/cancel", headers=gw.as_user(OTHER))
    assert other.status_code == 404
    done = await submit(gw, {**body, "target_languages": ["fr"]})
    await finish(gw, UUID(done["job_id"]), ["fr"])
    r = await gw.client.post(f"/v1/jobs/{done['job_id']}/cancel")
    assert r.status_code == 409 and code(r) == "job_finished"


async def test_delete_now_asks_the_janitor_and_keeps_the_record(
    gw: Gateway, tmp_path: Path
) -> None:
    body = await stems(gw, tmp_path)
    job = await submit(gw, {**body, "target_languages": ["fr"]})
    r = await gw.client.delete(f"/v1/jobs/{job['job_id']}/artifacts")
    assert r.status_code == 409 and code(r) == "job_running"
    await finish(gw, UUID(job["job_id"]), ["fr"])
    r = await gw.client.delete(f"/v1/jobs/{job['job_id']}/artifacts")
    assert r.status_code == 202, r.text
    stream = await gw.store.read_stream(UUID(job["job_id"]))
    request = stream[-1].payload
    assert stream[-1].type == "deletion.requested"
    assert request.reason == "user" and request.requested_by == USER
    assert len(request.known) == 3  # two stems and the mix


async def test_events_as_json_and_as_server_sent_events_resume_after_the_last_id(
    gw: Gateway, tmp_path: Path
) -> None:
    body = await stems(gw, tmp_path)
    job = await submit(gw, {**body, "target_languages": ["fr"]})
    await finish(gw, UUID(job["job_id"]), ["fr"])
    url = f"/v1/jobs/{job['job_id']}/events"
    listed = (await gw.client.get(url)).json()
    assert [e["type"] for e in listed] == [
        "job.submitted",
        "transcript.ready",
        "translation.ready",
        "speech.ready",
        "dub.ready",
        "job.completed",
    ]
    assert listed[-1]["status"] == "completed" and "key" not in json.dumps(listed)
    r = await gw.client.get(url, headers={"Accept": "text/event-stream", "Last-Event-ID": "4"})
    assert r.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in r.text.split("\n\n") if f.strip()]
    assert [f.splitlines()[0] for f in frames] == ["id: 5", "id: 6"]
    assert json.loads(frames[-1].splitlines()[2].removeprefix("data: "))["type"] == "job.completed"
    assert (await gw.client.get(url, headers=gw.as_user(OTHER))).status_code == 404


async def test_limits_answer_429_with_retry_after_but_a_retried_submission_still_answers(
    gw: Gateway, tmp_path: Path
) -> None:
    body = {**await stems(gw, tmp_path), "target_languages": ["fr"]}
    first = await submit(gw, body, **{"Idempotency-Key": "first"})
    for _ in range(2):
        await submit(gw, body)
    r = await gw.client.post("/v1/jobs", json=body)
    assert r.status_code == 429 and code(r) == "too_many_running_jobs"
    assert int(r.headers["retry-after"]) > 0
    again = await gw.client.post("/v1/jobs", json=body, headers={"Idempotency-Key": "first"})
    assert again.status_code == 200 and again.json()["job_id"] == first["job_id"]
    await gw.client.post(f"/v1/jobs/{first['job_id']}/cancel")
    assert (await gw.client.post("/v1/jobs", json=body)).status_code == 202


async def test_options_travel_with_the_job_and_odd_input_is_refused(
    gw: Gateway, tmp_path: Path
) -> None:
    body = {**await stems(gw, tmp_path), "target_languages": ["fr"]}
    options = {"loudness_target_lufs": -16, "glossary": {"Redub": "Redub"}, "captions": False}
    job = await submit(gw, {**body, "options": options}, **{"Idempotency-Key": "k1"})
    assert job["options"]["loudness_target_lufs"] == -16 and job["options"]["captions"] is False
    stream = await gw.store.read_stream(UUID(job["job_id"]))
    assert stream[0].payload.options.glossary == {"Redub": "Redub"}
    changed = {**body, "options": {**options, "captions": True}}
    r = await gw.client.post("/v1/jobs", json=changed, headers={"Idempotency-Key": "k1"})
    assert r.status_code == 422 and code(r) == "idempotency_key_reused"
    for bad in (
        {**body, "options": {"glossary": {"a\u0000b": "c"}}},
        {**body, "options": {"loudness_target_lufs": 0}},
        {**body, "target_languages": ["f\u0000r"]},
        {**body, "source_language": "english"},
    ):
        r = await gw.client.post("/v1/jobs", json=bad)
        assert r.status_code == 422 and code(r) == "invalid_request", r.text
    r = await gw.client.post(
        "/v1/jobs", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    assert r.status_code == 422 and code(r) == "invalid_json"
    r = await gw.client.post("/v1/jobs", json=body, headers={"Idempotency-Key": "bad key\t"})
    assert r.status_code == 422
    count = len((await gw.client.get("/v1/jobs")).json()["jobs"])
    assert count == 1, "nothing half-written"


async def test_download_links_work_once_and_say_why_they_are_refused(
    gw: Gateway, tmp_path: Path
) -> None:
    body = await stems(gw, tmp_path)
    job = await submit(gw, {**body, "target_languages": ["fr"]})
    job_id = UUID(job["job_id"])
    await finish(gw, job_id, ["fr"])
    view = await gw.store.load_view(job_id)
    assert view is not None
    [mix] = view.artifacts
    blobs = local_blob_store(gw.settings)
    await blobs.put_bytes(mix.key, b"RIFF-the-mix", "audio/wav")
    links = (await gw.client.get(f"/v1/jobs/{job_id}/download", params={"language": "fr"})).json()
    [link] = links["files"]
    assert link["kind"] == "mix" and mix.key not in json.dumps(links)
    stranger = {"Authorization": ""}
    r = await gw.client.get(link["url"], headers=stranger)
    assert r.status_code == 200 and r.content == b"RIFF-the-mix"
    r = await gw.client.get(link["url"], headers=stranger)
    assert r.status_code == 410 and code(r) == "link_used"
    fresh = (await gw.client.get(f"/v1/jobs/{job_id}/download", params={"language": "fr"})).json()
    url = fresh["files"][0]["url"]
    r = await gw.client.get(url[:-3] + ("AAA" if not url.endswith("AAA") else "BBB"))
    assert r.status_code == 403 and code(r) == "link_tampered"
    assert gw.settings.blob_url_secret
    old = Grant(job_id, "fr", "mix", int(time.time()) - 1, uuid4())
    r = await gw.client.get("/v1/downloads/" + sign_link(old, gw.settings.blob_url_secret.encode()))
    assert r.status_code == 410 and code(r) == "link_expired"
    await blobs.delete(mix.key)
    r = await gw.client.get(url)
    assert r.status_code == 410 and code(r) == "artifact_purged"
    r = await gw.client.get(
        f"/v1/jobs/{job_id}/download", params={"language": "fr"}, headers=gw.as_user(OTHER)
    )
    assert r.status_code == 404


async def test_a_polled_job_is_read_again_once_word_of_its_next_event_comes(
    database_url: str, nats_url: str, stream_prefix: str, tmp_path: Path
) -> None:
    # Kept far longer than the test runs: only word from the bus can make a body fresh.
    async with gateway(
        database_url, nats_url, stream_prefix, tmp_path, gateway_view_cache_s=300
    ) as gw:
        body = await stems(gw, tmp_path)
        job_id = UUID((await submit(gw, {**body, "target_languages": ["fr"]}))["job_id"])
        url = f"/v1/jobs/{job_id}"
        before = (await gw.client.get(url)).json()
        assert before["status"] == "submitted"
        # A stage commits but has not published yet: the kept body is still served.
        transcribed = step(
            job_id,
            TranscriptReady(
                transcript=blob("t"),
                segments=1,
                duration_s=3,
                target_languages=["fr"],
                provider="test",
            ),
        )
        [written] = await gw.store.append([transcribed])
        assert (await gw.client.get(url)).json() == before
        # Someone else's read of the job finds nothing, kept body or not.
        assert (await gw.client.get(url, headers=gw.as_user(OTHER))).status_code == 404
        # The stage publishes from its own connection: the gateway hears it and reads again.
        stage_bus = await JetStreamBus.connect(nats_url, gw.settings.stream_name, stream_prefix)
        await stage_bus.publish(written)
        await stage_bus.close()
        deadline = time.monotonic() + 10
        while (now := (await gw.client.get(url)).json()) == before:
            assert time.monotonic() < deadline, "the job's next event was never heard"
            await asyncio.sleep(0.02)
        assert now["status"] == "transcribed" and now["transcribed_at"]
        # The gateway's own writes are read back at once, with no wait for the bus.
        cancelled = await gw.client.post(f"{url}/cancel")
        assert cancelled.status_code == 202
        assert (await gw.client.get(url)).json() == cancelled.json()

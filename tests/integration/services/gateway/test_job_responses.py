"""The gateway's job responses and OpenAPI document use the public models, not the view
(on real PostgreSQL: each request reads as its caller, under row-level security)."""

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import pytest
from fastapi import FastAPI

from libs.auth.tokens import mint_token
from libs.config.settings import Settings
from libs.events import catalogue, job_view
from libs.events.catalogue import Artifact, ArtifactKind, DubReady, JobCompleted
from libs.events.memory_bus import MemoryBus
from libs.events.postgres_store import PostgresEventStore
from libs.storage.keys import language_key
from redub.runtime.connections import local_blob_store
from services.gateway.app import create_app
from services.gateway.caller_reads import CallerReads
from services.gateway.context import GatewayContext
from services.mixer.artifact_files import ARTIFACT_FILES
from tests.support.builders import USER, blob, new_job, speech, step, transcript, translation

# Every model of the read model and of the events it folds: none may name a public schema.
READ_MODEL_NAMES = {
    name
    for module in (job_view, catalogue)
    for name, obj in vars(module).items()
    if isinstance(obj, type) and hasattr(obj, "model_fields")
}


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PostgresEventStore]:
    store = await PostgresEventStore.connect(database_url, max_size=2)
    yield store
    await store.close()


@pytest.fixture
async def reads(database_url: str) -> AsyncIterator[CallerReads]:
    reads = await CallerReads.connect(database_url, size=2)
    yield reads
    await reads.close()


@pytest.fixture
def app(store: PostgresEventStore, reads: CallerReads, tmp_path: Path) -> FastAPI:
    settings = Settings(state_dir=tmp_path, jwt_secret="s" * 40)
    blobs = local_blob_store(settings)
    return create_app(GatewayContext(settings, store, reads, MemoryBus(), blobs))


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    token = mint_token(USER, app.state.ctx.settings.jwt_secret)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://gw",
        headers={"Authorization": f"Bearer {token}"},
    ) as c:
        yield c


def refs(schema: object) -> set[str]:
    """The names of every component a schema fragment refers to."""
    if isinstance(schema, dict):
        own = {schema["$ref"].rsplit("/", 1)[-1]} if "$ref" in schema else set()
        return own | {r for v in schema.values() for r in refs(v)}
    if isinstance(schema, list):
        return {r for v in schema for r in refs(v)}
    return set()


def reachable(doc: dict[str, Any], fragment: object) -> set[str]:
    """Component names reachable from a fragment, following references."""
    components = doc["components"]["schemas"]
    seen: set[str] = set()
    todo = refs(fragment)
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo |= refs(components[name])
    return seen


def test_job_schemas_do_not_reference_the_read_model(app: FastAPI) -> None:
    doc = app.openapi()
    assert READ_MODEL_NAMES >= {"JobView", "TaskView", "ArtifactView", "Failure", "BlobRef"}
    for path, method in (("/v1/jobs", "post"), ("/v1/jobs/{job_id}", "get")):
        responses = doc["paths"][path][method]["responses"]
        ok = responses["202" if method == "post" else "200"]
        assert ok["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/JobOut"
        }
        names = reachable(doc, responses)
        assert "JobOut" in names and not names & READ_MODEL_NAMES, names & READ_MODEL_NAMES
    assert not set(doc["components"]["schemas"]) & READ_MODEL_NAMES
    assert "JobView" not in json.dumps(doc)
    job = doc["components"]["schemas"]["JobOut"]["properties"]
    assert not {"version", "position", "user_id", "deletion_requests"} & set(job)
    assert "key" not in doc["components"]["schemas"]["ArtifactOut"]["properties"]


async def test_get_job_answers_the_public_shape_without_blob_keys(
    api: httpx.AsyncClient, store: PostgresEventStore
) -> None:
    job = new_job(["fr"])
    await store.append([job])
    for payload in (transcript(["fr"]), translation("fr"), speech("fr")):
        await store.append([step(job.job_id, payload)])
    published = [
        Artifact(kind=kind, blob=blob(language_key(job.job_id, "fr", name)))
        for kind, name in (("mix", "mix.wav"), ("srt", "captions.srt"))
    ]
    await store.append([step(job.job_id, DubReady(language="fr", artifacts=published))])
    await store.append([step(job.job_id, JobCompleted(languages=["fr"]))])

    r = await api.get(f"/v1/jobs/{job.job_id}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["job_id"], body["status"]) == (str(job.job_id), "completed")
    assert body["tasks"]["fr"]["status"] == "dubbed"
    assert [(a["kind"], a["file"], a["download_url"]) for a in body["artifacts"]] == [
        ("mix", "mix.wav", f"/v1/jobs/{job.job_id}/artifacts/fr/mix"),
        ("srt", "captions.srt", f"/v1/jobs/{job.job_id}/artifacts/fr/srt"),
    ]
    view = await store.load_view(job.job_id)
    assert view is not None
    stored_keys = [a.key for a in view.artifacts] + [view.voice.blob.key, view.background.blob.key]
    assert not [k for k in stored_keys if k in r.text]
    for internal in ("version", "position", "user_id", "key", "deletion_requests"):
        assert internal not in body
    assert str(USER) not in r.text


async def test_the_words_and_timeline_artifacts_are_listed_and_download_with_their_types(
    api: httpx.AsyncClient, app: FastAPI, store: PostgresEventStore
) -> None:
    job = new_job(["fr"])
    await store.append([job])
    blobs = app.state.ctx.blobs
    kinds: list[ArtifactKind] = [
        "transcript",
        "source_srt",
        "source_vtt",
        "translation",
        "timeline_png",
        "timeline_svg",
    ]
    published = []
    for kind in kinds:
        spec = ARTIFACT_FILES[kind]
        key = language_key(job.job_id, "fr", spec.name)
        ref = await blobs.put_bytes(key, f"{kind} body".encode(), spec.content_type)
        published.append(Artifact(kind=kind, blob=ref))
    await store.append([step(job.job_id, DubReady(language="fr", artifacts=published))])

    body = (await api.get(f"/v1/jobs/{job.job_id}")).json()
    assert [(a["kind"], a["file"]) for a in body["artifacts"]] == [
        (k, ARTIFACT_FILES[k].name) for k in kinds
    ]
    for a in body["artifacts"]:
        r = await api.get(a["download_url"])
        assert r.status_code == 200, r.text
        assert r.content == f"{a['kind']} body".encode()
        assert r.headers["content-type"].split(";")[0] == ARTIFACT_FILES[a["kind"]].content_type
        assert ARTIFACT_FILES[a["kind"]].name in r.headers["content-disposition"]


async def test_someone_elses_job_is_still_not_found_with_the_same_error_shape(
    api: httpx.AsyncClient, app: FastAPI, store: PostgresEventStore
) -> None:
    job = new_job(["fr"])
    await store.append([job])
    other = mint_token(uuid4(), app.state.ctx.settings.jwt_secret)
    r = await api.get(f"/v1/jobs/{job.job_id}", headers={"Authorization": f"Bearer {other}"})
    assert r.status_code == 404
    assert r.json() == {
        "error": {
            "code": "job_not_found",
            "message": f"No job {job.job_id} exists for this account.",
        }
    }

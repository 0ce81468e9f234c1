"""The gateway asks the configured providers what they can do, lists it, and refuses the rest.

Real PostgreSQL and NATS; the default offline providers as installed (faster-whisper with the
packaged tiny.en, Apertium's Debian pairs, espeak-ng)."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.gateway_app import gateway
from tests.support.media import tone_wav


@pytest.fixture
async def api(
    database_url: str, nats_url: str, stream_prefix: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with gateway(
        database_url,
        nats_url,
        stream_prefix,
        tmp_path,
        ask_providers=True,
        stt_provider="faster-whisper",
        translator_provider="apertium",
        tts_provider="espeak",
    ) as g:
        yield g.client


async def test_languages_lists_what_each_provider_can_do(api: httpx.AsyncClient) -> None:
    r = await api.get("/v1/languages")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source_languages"] == ["en"]
    # Apertium translates into Galician, but espeak-ng has no Galician voice.
    assert body["target_languages"] == {"en": ["ca", "es"]}
    assert body["speech_to_text"] == {
        "provider": "faster-whisper",
        "model": "whisper-tiny.en",
        "languages": ["en"],
    }
    assert body["translation"]["provider"] == "apertium"
    assert body["translation"]["model"] == "rule-based"
    pairs = {(p["source"], p["target"]) for p in body["translation"]["pairs"]}
    assert {("en", "es"), ("en", "ca"), ("en", "gl")} <= pairs
    assert ("en", "fr") not in pairs
    spoken = set(body["text_to_speech"]["languages"])
    assert {"ca", "es", "fr", "de"} <= spoken and "gl" not in spoken
    # What the service offers is public: a client may check before it signs in.
    assert (await api.get("/v1/languages", headers={"Authorization": ""})).status_code == 200


async def two_stems(api: httpx.AsyncClient, tmp_path: Path) -> dict[str, str]:
    """A voice and a background stem uploaded, as a job request names them."""
    ids = []
    for name in ("v.wav", "b.wav"):
        path = tone_wav(tmp_path / name, 2.0)
        r = await api.post(
            "/v1/uploads/file", files={"file": (name, path.read_bytes(), "audio/wav")}
        )
        ids.append(r.json()["upload_id"])
    return {"voice_upload_id": ids[0], "background_upload_id": ids[1]}


async def test_a_job_into_a_language_apertium_lacks_is_refused(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    body = await two_stems(api, tmp_path)
    refused = await api.post("/v1/jobs", json={**body, "target_languages": ["es", "fr"]})
    assert refused.status_code == 422
    error = refused.json()["error"]
    assert error["code"] == "untranslatable_language"
    assert "into fr" in error["message"] and "target: ca, es" in error["message"]
    assert error["details"]["available_target_languages"] == ["ca", "es"]
    unspoken = await api.post("/v1/jobs", json={**body, "target_languages": ["gl"]})
    assert unspoken.status_code == 422
    assert unspoken.json()["error"]["code"] == "no_voice_for_language"
    accepted = await api.post("/v1/jobs", json={**body, "target_languages": ["es", "ca"]})
    assert accepted.status_code == 202, accepted.text
    assert accepted.json()["target_languages"] == ["es", "ca"]


async def test_a_voice_map_naming_a_voice_espeak_lacks_is_refused_at_submission(
    api: httpx.AsyncClient, tmp_path: Path
) -> None:
    body = {**await two_stems(api, tmp_path), "target_languages": ["es"]}
    refused = await api.post("/v1/jobs", json={**body, "options": {"voice_map": {"A": "es+x9"}}})
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["code"] == "unknown_voice"
    assert "speaker 'A'" in error["message"] and "'es+x9'" in error["message"]
    assert "espeak" in error["message"] and "es+m1" in error["message"]
    [entry] = error["details"]
    assert entry["field"] == "options.voice_map.A"
    assert (entry["speaker"], entry["voice"], entry["language"]) == ("A", "es+x9", "es")
    assert "es+f3" in entry["available_voices"]
    # Nothing was submitted: the job list is still empty.
    assert (await api.get("/v1/jobs")).json()["jobs"] == []
    # One map serves every target language, and espeak's voices are per language.
    both = {**body, "target_languages": ["es", "ca"], "options": {"voice_map": {"A": "es+f3"}}}
    refused = await api.post("/v1/jobs", json=both)
    assert [d["language"] for d in refused.json()["error"]["details"]] == ["ca"]
    accepted = await api.post("/v1/jobs", json={**body, "options": {"voice_map": {"A": "es+f3"}}})
    assert accepted.status_code == 202, accepted.text


async def test_the_openapi_document_names_the_voice_map_refusal(api: httpx.AsyncClient) -> None:
    doc = (await api.get("/v1/openapi.json")).json()
    refused = doc["paths"]["/v1/jobs"]["post"]["responses"]["422"]
    assert "unknown_voice" in refused["description"]
    assert refused["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorOut"
    }
    voice_map = doc["components"]["schemas"]["JobOptionsIn"]["properties"]["voice_map"]
    assert "unknown_voice" in voice_map["description"]

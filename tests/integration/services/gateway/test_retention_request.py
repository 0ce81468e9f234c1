"""A submission's own retention within the operator's limits, and purged uploads refused."""

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psycopg
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
        retention_hours=48,
        retention_min_hours=2,
        retention_max_hours=100,
    ) as g:
        yield g.client


async def _up(api: httpx.AsyncClient, path: Path) -> str:
    r = await api.post(
        "/v1/uploads/file", files={"file": (path.name, path.read_bytes(), "audio/wav")}
    )
    assert r.status_code == 201, r.text
    return str(r.json()["upload_id"])


async def test_retention_within_limits_is_kept_outside_refused(
    api: httpx.AsyncClient, database_url: str, tmp_path: Path
) -> None:
    voice = await _up(api, tone_wav(tmp_path / "v.wav", 2.0))
    bed = await _up(api, tone_wav(tmp_path / "b.wav", 2.0))
    body = {"voice_upload_id": voice, "background_upload_id": bed, "target_languages": ["fr"]}
    for hours in (1, 100.5):
        r = await api.post("/v1/jobs", json={**body, "retention_hours": hours})
        assert r.status_code == 422 and r.json()["error"]["code"] == "retention_out_of_range"
        assert "between 2 and 100 hours" in r.json()["error"]["message"]
    r = await api.post("/v1/jobs", json={**body, "retention_hours": 0})
    assert r.status_code == 422
    asked = await api.post("/v1/jobs", json={**body, "retention_hours": 5})
    default = await api.post("/v1/jobs", json=body)
    assert (asked.status_code, default.status_code) == (202, 202), asked.text
    assert asked.json()["retention_hours"] == 5
    assert default.json()["retention_hours"] == 48
    # The janitor purged the voice stem: a new job naming it is told so.
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE uploads SET purged_at = now() WHERE upload_id = %s", (voice,))
    r = await api.post("/v1/jobs", json=body)
    assert r.status_code == 410 and r.json()["error"]["code"] == "upload_purged"

"""/healthz, /readyz and /metrics of the small health server, over ASGI."""

import asyncio

import httpx

from libs.observability import health_server
from libs.observability.health_server import health_app


async def ok() -> str | None:
    return None


async def down() -> str | None:
    return "not connected to NATS"


async def broken() -> str | None:
    raise ConnectionRefusedError("connection refused")


async def hangs() -> str | None:
    await asyncio.sleep(60)
    return None


def client(**checks: object) -> httpx.AsyncClient:
    app = health_app(checks)  # type: ignore[arg-type]
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


async def test_ready_when_every_check_passes() -> None:
    async with client(nats=ok, postgres=ok) as c:
        r = await c.get("/readyz")
        assert r.status_code == 200
        assert r.json() == {"status": "ready", "checks": {"nats": "ok", "postgres": "ok"}}
        assert (await c.get("/healthz")).status_code == 200


async def test_not_ready_names_what_failed() -> None:
    async with client(nats=down, postgres=broken) as c:
        r = await c.get("/readyz")
        assert r.status_code == 503
        checks = r.json()["checks"]
        assert checks["nats"] == "not connected to NATS"
        assert checks["postgres"].startswith("ConnectionRefusedError")
        # Alive all the same: a dependency's outage is no reason to restart the process.
        assert (await c.get("/healthz")).status_code == 200
        assert "redub_ready 0.0" in (await c.get("/metrics")).text


async def test_a_check_that_hangs_is_bounded(monkeypatch: object) -> None:
    monkeypatch.setattr(health_server, "CHECK_TIMEOUT_S", 0.2)  # type: ignore[attr-defined]
    async with client(nats=hangs) as c:
        r = await c.get("/readyz")
        assert r.status_code == 503
        assert r.json()["checks"]["nats"] == "no answer within 0.2 s"


async def test_metrics_are_prometheus_text() -> None:
    async with client(nats=ok) as c:
        r = await c.get("/metrics")
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("text/plain")
        assert "# TYPE redub_stage_handle_seconds histogram" in r.text

"""Runs the gateway process: uvicorn plus the outbox relay."""

import asyncio

import uvicorn
from fastapi import FastAPI
from fastapi.responses import JSONResponse

from libs.auth.secret_policy import secret_problem
from libs.config.settings import Settings
from libs.events.pipeline_gauges import watch_pipeline_gauges
from libs.events.readiness import nats_check, postgres_check
from libs.events.relay import run_relay
from libs.observability.health_server import Check, readiness
from libs.observability.request_log import RequestLog
from libs.storage.scratch import use_scratch_root
from redub.runtime.connections import connect
from redub.runtime.heap import settle_heap
from redub.runtime.providers import language_support, speech_providers
from services.gateway.app import create_app
from services.gateway.caller_reads import CallerReads
from services.gateway.context import GatewayContext
from services.gateway.view_cache import ViewCache

# Each polled read is one short statement: a few connections keep the database busy, and more
# would only queue the reads inside it (its backends competing for the same cores).
CALLER_READ_CONNECTIONS = 4


class UnsafeSecrets(SystemExit):
    """The gateway will not start signing or checking anything with these secrets."""


def check_secrets(settings: Settings) -> None:
    """Refuse to start with no way to check tokens, or with a secret anyone can read."""
    dev = settings.development
    problems = [secret_problem("REDUB_BLOB_URL_SECRET", settings.blob_url_secret, development=dev)]
    if settings.jwt_secret or not settings.jwt_jwks_url:
        problems.append(secret_problem("REDUB_JWT_SECRET", settings.jwt_secret, development=dev))
    found = [p for p in problems if p]
    if found:
        raise UnsafeSecrets(
            "redub gateway: refusing to start: "
            + "; ".join(found)
            + " (`redub dev` generates private ones; REDUB_ENVIRONMENT=development accepts"
            " published ones)"
        )


async def serve_gateway(settings: Settings) -> None:
    """Serve HTTP until SIGTERM/SIGINT (uvicorn handles both), then close connections."""
    check_secrets(settings)
    use_scratch_root(settings.scratch_dir)
    conns = await connect(settings)
    # Asked of the providers once, before serving: a submission is checked against them
    # (its languages, and its voice map against their voices).
    speech = speech_providers(settings, conns.vendors)
    languages = language_support(settings, conns.vendors, speech)
    assert settings.database_url  # `connect` refused to start without it
    reads = await CallerReads.connect(settings.database_url, size=CALLER_READ_CONNECTIONS)
    view_cache = ViewCache(settings.gateway_view_cache_s)
    changes = await conns.bus.watch_jobs(view_cache.changed)
    view_cache.listen(changes)
    app = create_app(
        GatewayContext(
            settings, conns.store, reads, conns.bus, conns.blobs, languages, speech, view_cache
        )
    )
    add_readiness(
        app, {"nats": nats_check(conns.bus), "postgres": postgres_check(conns.store.pool)}
    )
    app.add_middleware(RequestLog)
    config = uvicorn.Config(
        app,
        host=settings.gateway_host,
        port=settings.gateway_port,
        log_config=None,
        access_log=False,
    )
    server = uvicorn.Server(config)
    settle_heap(settings.gc_young_threshold)
    stop = asyncio.Event()
    relay = asyncio.create_task(
        run_relay(
            conns.store.outbox, conns.bus, stop, settings.relay_interval_s, settings.relay_grace_s
        )
    )
    gauges = asyncio.create_task(
        watch_pipeline_gauges(conns.store.pool, stop, settings.metrics_refresh_s)
    )
    try:
        await server.serve()
    finally:
        stop.set()
        await asyncio.gather(relay, gauges)
        await changes.close()
        await reads.close()
        await conns.close()


def add_readiness(app: FastAPI, checks: dict[str, Check]) -> None:
    """`/readyz`: 200 when NATS and PostgreSQL answer, else 503 naming what does not."""

    async def readyz() -> JSONResponse:
        return await readiness(checks)

    app.add_api_route("/readyz", readyz, methods=["GET"], include_in_schema=False)

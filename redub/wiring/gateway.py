"""Runs the gateway process: uvicorn plus the outbox relay."""

import asyncio

import uvicorn

from libs.config.settings import Settings
from libs.events.relay import run_relay
from redub.runtime.connections import connect
from redub.runtime.heap import settle_heap
from redub.runtime.providers import language_support
from services.gateway.app import create_app
from services.gateway.context import GatewayContext


async def serve_gateway(settings: Settings) -> None:
    """Serve HTTP until SIGTERM/SIGINT (uvicorn handles both), then close connections."""
    conns = await connect(settings)
    # Asked of the providers once, before serving: a submission is checked against it.
    languages = language_support(settings, conns.vendors)
    app = create_app(GatewayContext(settings, conns.store, conns.bus, conns.blobs, languages))
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
    try:
        await server.serve()
    finally:
        stop.set()
        await relay
        await conns.close()

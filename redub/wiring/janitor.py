"""Wires the janitor: the purge stage plus a periodic retention sweep."""

import asyncio

import structlog

from libs.config.settings import Settings
from libs.events.envelope import utcnow
from libs.events.relay import publish_committed
from redub.runtime.connections import Connections
from services.janitor.handler import Janitor
from services.janitor.sweep import sweep

log = structlog.get_logger()


def build(settings: Settings, conns: Connections) -> Janitor:
    """The purge stage."""
    return Janitor(conns.blobs, conns.store)


async def sweep_forever(settings: Settings, conns: Connections, stop: asyncio.Event) -> None:
    """Run the retention sweep every `REDUB_SWEEP_INTERVAL_S` until `stop` is set."""
    while not stop.is_set():
        try:
            result = await sweep(conns.store, utcnow())
            if result.requested:
                log.info("retention sweep", requested=len(result.requested))
                await publish_committed(conns.store, conns.bus, result.requested)
        except Exception as exc:
            log.warning("retention sweep failed", error=repr(exc))
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.sweep_interval_s)
        except TimeoutError:
            pass

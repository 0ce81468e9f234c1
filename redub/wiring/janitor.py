"""Wires the janitor: the purge stage plus a periodic retention sweep."""

import asyncio
from datetime import timedelta

import structlog

from libs.config.settings import Settings
from libs.events.envelope import utcnow
from libs.events.relay import publish_committed
from libs.observability.metrics import JANITOR_LAST_SWEEP
from redub.runtime.connections import Connections
from services.janitor.handled_horizon import forget_old_handled
from services.janitor.handler import Janitor
from services.janitor.sweep import sweep

log = structlog.get_logger()


def build(settings: Settings, conns: Connections) -> Janitor:
    """The purge stage."""
    return Janitor(conns.blobs)


async def sweep_forever(settings: Settings, conns: Connections, stop: asyncio.Event) -> None:
    """Every `REDUB_SWEEP_INTERVAL_S` until `stop` is set: the retention sweep, and handled
    keys past `REDUB_HANDLED_HORIZON_DAYS` are forgotten."""
    store = conns.store
    horizon = timedelta(days=settings.handled_horizon_days)
    while not stop.is_set():
        try:
            result = await sweep(store.views, store.jobs, utcnow())
            if result.requested:
                log.info("retention sweep", requested=len(result.requested))
                await publish_committed(store.outbox, conns.bus, result.requested)
            forgotten = await forget_old_handled(store.log, utcnow(), horizon)
            if forgotten:
                log.info("handled keys forgotten", keys=forgotten)
            JANITOR_LAST_SWEEP.set_to_current_time()
        except Exception as exc:
            log.warning("retention sweep failed", error=repr(exc))
        try:
            await asyncio.wait_for(stop.wait(), timeout=settings.sweep_interval_s)
        except TimeoutError:
            pass

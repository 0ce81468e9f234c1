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
from services.janitor.postgres_stem_ledger import PostgresStemLedger
from services.janitor.scratch_sweep import sweep_scratch
from services.janitor.sweep import sweep

log = structlog.get_logger()


def build(settings: Settings, conns: Connections) -> Janitor:
    """The purge stage."""
    return Janitor(conns.blobs, PostgresStemLedger(conns.store.pool))


async def sweep_forever(settings: Settings, conns: Connections, stop: asyncio.Event) -> None:
    """Every `REDUB_SWEEP_INTERVAL_S` until `stop` is set: the retention sweep (jobs get a
    deletion request the stage handles), uploads no live job needs and stale scratch files
    are deleted, and handled keys past `REDUB_HANDLED_HORIZON_DAYS` are forgotten."""
    store = conns.store
    stems = PostgresStemLedger(store.pool)
    horizon = timedelta(days=settings.handled_horizon_days)
    uploads_kept = timedelta(hours=settings.upload_retention_hours)
    scratch_kept = timedelta(hours=settings.scratch_retention_hours).total_seconds()
    while not stop.is_set():
        try:
            result = await sweep(store.views, store.jobs, utcnow())
            if result.requested:
                log.info("retention sweep", requested=len(result.requested))
                await publish_committed(store.outbox, conns.bus, result.requested)
            uploads = await stems.purge_stale(utcnow() - uploads_kept, conns.blobs.delete)
            if uploads:
                log.info("uploads purged", uploads=len(uploads), bytes=sum(u.size for u in uploads))
            scratch = await asyncio.to_thread(sweep_scratch, settings.scratch_dir, scratch_kept)
            if scratch.files:
                log.info("stale scratch files deleted", files=scratch.files, bytes=scratch.bytes)
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

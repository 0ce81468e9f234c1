"""The outbox relay: publishes committed events whose writer died before publishing them."""

import asyncio

import structlog

from libs.events.bus import Bus
from libs.events.envelope import RecordedEvent
from libs.events.store import EventStore
from libs.observability.metrics import RELAY_REPUBLISHED

log = structlog.get_logger()


async def publish_committed(store: EventStore, bus: Bus, events: list[RecordedEvent]) -> bool:
    """Publish fresh commits and clear them from the outbox; on failure the relay retries."""
    if not events:
        return True
    try:
        await bus.publish(events)
        await store.mark_published([e.position for e in events])
    except Exception as exc:  # the outbox keeps them; the relay will publish them later
        log.warning("publish deferred to relay", error=repr(exc), events=len(events))
        return False
    return True


async def relay_once(store: EventStore, bus: Bus, grace_s: float) -> int:
    """Publish outbox rows older than `grace_s` (their writer had time to do it itself)."""
    events = await store.unpublished(older_than_s=grace_s)
    if events:
        await bus.publish(events)
        await store.mark_published([e.position for e in events])
        RELAY_REPUBLISHED.inc(len(events))
        log.info("relay published", events=len(events), first=events[0].position)
    return len(events)


async def run_relay(
    store: EventStore, bus: Bus, stop: asyncio.Event, interval_s: float, grace_s: float
) -> None:
    """Relay until `stop` is set; every service runs one, duplicates are dropped by id."""
    while not stop.is_set():
        try:
            await relay_once(store, bus, grace_s)
        except Exception as exc:
            log.warning("relay pass failed", error=repr(exc))
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        except TimeoutError:
            pass

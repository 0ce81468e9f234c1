"""The outbox relay: publishes committed events whose writer died before publishing them."""

import asyncio

import structlog

from libs.events.bus import Bus
from libs.events.envelope import RecordedEvent
from libs.events.outbox import Outbox
from libs.observability.metrics import RELAY_REPUBLISHED

log = structlog.get_logger()


async def publish_committed(
    outbox: Outbox, bus: Bus, events: list[RecordedEvent], within_s: float | None = None
) -> bool:
    """Publish fresh commits and clear them from the outbox; on failure, or past `within_s`,
    the relay publishes them later (a duplicate is dropped by its message id)."""
    if not events:
        return True
    try:
        async with asyncio.timeout(within_s):
            await bus.publish(events)
        await outbox.mark_published([e.position for e in events])
    except Exception as exc:  # the outbox keeps them; the relay will publish them later
        log.warning("publish deferred to relay", error=repr(exc), events=len(events))
        return False
    return True


async def relay_once(outbox: Outbox, bus: Bus, grace_s: float) -> int:
    """Publish outbox rows older than `grace_s` (their writer had time to do it itself).

    The rows stay claimed while they are published, so of several relays running at once
    exactly one publishes a given event; a failed publish leaves them for the next pass.
    """
    async with outbox.claim(older_than_s=grace_s) as events:
        if events:
            await bus.publish(events)
    if events:
        RELAY_REPUBLISHED.inc(len(events))
        log.info("relay published", events=len(events), first=events[0].position)
    return len(events)


async def run_relay(
    outbox: Outbox, bus: Bus, stop: asyncio.Event, interval_s: float, grace_s: float
) -> None:
    """Relay until `stop` is set; every service runs one, and claims keep them apart."""
    while not stop.is_set():
        try:
            await relay_once(outbox, bus, grace_s)
        except Exception as exc:
            log.warning("relay pass failed", error=repr(exc))
        try:
            await asyncio.wait_for(stop.wait(), timeout=interval_s)
        except TimeoutError:
            pass

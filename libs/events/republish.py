"""Rebuilds the JetStream stream from the log: PostgreSQL is the record, the stream a copy.

Every committed event from a position on is published again, in order, with its event id
as `Nats-Msg-Id`: within the stream's duplicate window the server drops what it holds
already; beyond it each stage's pre-check ("event handled?") makes a second copy a no-op.
"""

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from libs.events.envelope import RecordedEvent
from libs.events.event_log import EventLog


class OrderedPublisher(Protocol):
    """The bus side of a republish (the JetStream adapter)."""

    async def provision(self) -> None:
        """Create the stream (and its companions) if missing."""
        ...

    async def publish_in_order(self, events: Sequence[RecordedEvent]) -> None:
        """Publish `events` in order and wait until the server has stored every one."""
        ...


@dataclass(frozen=True, slots=True)
class RepublishResult:
    """What a republish sent: events, first and last position, and how fast."""

    events: int
    first: int | None
    last: int | None
    seconds: float

    @property
    def events_per_s(self) -> float:
        """Publishing rate."""
        return self.events / self.seconds if self.seconds > 0 else 0.0


async def republish(
    log: EventLog,
    bus: OrderedPublisher,
    from_position: int = 1,
    batch: int = 2000,
    progress: Callable[[int, int], None] | None = None,
) -> RepublishResult:
    """Publish every committed event at or after `from_position`, in position order, as
    the log holds them when each batch is read; `progress(events so far, last position)`."""
    started = time.perf_counter()
    await bus.provision()
    after = max(from_position, 1) - 1
    sent = 0
    first: int | None = None
    # (task, events, last position) of the batch being published.
    publishing: tuple[asyncio.Task[None], int, int] | None = None
    try:
        # The next batch is read while the last one's PubAcks come back; a batch starts
        # only once the one before is stored, so the stream gets the log's order.
        while True:
            events = await log.read_all(after, batch)
            if publishing is not None:
                task, count, last = publishing
                await task
                sent += count
                if progress is not None:
                    progress(sent, last)
                publishing = None
            if not events:
                break
            first = first if first is not None else events[0].position
            after = events[-1].position
            publishing = (asyncio.create_task(bus.publish_in_order(events)), len(events), after)
    finally:
        if publishing is not None:
            publishing[0].cancel()
    return RepublishResult(sent, first, after if sent else None, time.perf_counter() - started)

"""An in-memory bus with JetStream's delivery semantics, for fast unit tests."""

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from libs.events.bus import Bus, Changed, ConsumerSpec, Delivery, JobChanges, Subscription
from libs.events.envelope import RecordedEvent


@dataclass
class _Pending:
    event: RecordedEvent
    attempt: int = 0
    due: float = 0.0  # when it may be (re)delivered
    settled: bool = False
    held: bool = False  # delivered, not yet acked or naked (ack wait not over)


@dataclass
class _Consumer:
    spec: ConsumerSpec
    pending: list[_Pending] = field(default_factory=list)
    exhausted: list[_Pending] = field(default_factory=list)
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    terminated: list[RecordedEvent] = field(default_factory=list)


class MemoryDelivery:
    """One delivery; ack wait runs from the moment it was fetched."""

    def __init__(self, item: _Pending, consumer: _Consumer, exhausted: bool = False) -> None:
        self._item = item
        self._consumer = consumer
        self._exhausted = exhausted

    @property
    def event(self) -> RecordedEvent:
        return self._item.event

    @property
    def attempt(self) -> int:
        return self._item.attempt

    async def ack(self) -> None:
        if self._exhausted:
            self._consumer.exhausted.remove(self._item)
        self._item.settled = True
        self._item.held = False

    async def nak(self, delay: float) -> None:
        if self._exhausted:  # back on the advisory list for another look later
            return
        self._item.due = time.monotonic() + delay
        self._item.held = False

    async def in_progress(self) -> None:
        self._item.due = time.monotonic() + self._consumer.spec.ack_wait_s

    async def term(self) -> None:
        await self.ack()
        self._consumer.terminated.append(self._item.event)


class _MemorySubscription:
    def __init__(self, consumer: _Consumer, exhausted: bool = False) -> None:
        self._consumer = consumer
        self._exhausted = exhausted

    async def fetch(self, batch: int, timeout: float) -> Sequence[Delivery]:
        deadline = time.monotonic() + timeout
        while True:
            out = self._take(batch)
            if out or time.monotonic() >= deadline:
                return out
            self._consumer.wakeup.clear()
            try:
                await asyncio.wait_for(self._consumer.wakeup.wait(), timeout=0.01)
            except TimeoutError:
                pass

    def _take(self, batch: int) -> list[Delivery]:
        c = self._consumer
        now = time.monotonic()
        _expire(c, now)
        if self._exhausted:
            return [MemoryDelivery(i, c, exhausted=True) for i in c.exhausted[:batch]]
        out: list[Delivery] = []
        for item in c.pending:
            if item.due <= now and len(out) < batch:
                item.attempt += 1
                item.due = now + c.spec.ack_wait_s
                item.held = True
                out.append(MemoryDelivery(item, c))
        return out

    async def keep_alive(self) -> None:
        return None  # hands out only what it is asked for

    async def close(self) -> None:
        return None


def _expire(c: _Consumer, now: float) -> None:
    """Drop settled messages; move those due again but out of deliveries to `exhausted`
    (where JetStream would publish a MAX_DELIVERIES advisory)."""
    for item in list(c.pending):
        if item.settled:
            c.pending.remove(item)
        elif item.due <= now and item.attempt >= c.spec.max_deliver:
            c.pending.remove(item)
            c.exhausted.append(item)


class _MemoryJobChanges:
    """In one process nothing is missed: the epoch never changes."""

    def __init__(self, forget: Callable[[], None]) -> None:
        self._forget = forget

    def epoch(self) -> int | None:
        return 0

    async def close(self) -> None:
        self._forget()


class MemoryBus(Bus):
    """Every consumer sees every event of its types, published before or after it binds."""

    def __init__(self) -> None:
        self._log: list[RecordedEvent] = []
        self._seen: set[str] = set()
        self._consumers: dict[str, _Consumer] = {}
        self._watchers: list[Changed] = []

    async def provision(self) -> None:
        return None

    async def publish(self, events: Sequence[RecordedEvent]) -> None:
        for e in events:
            if str(e.event_id) in self._seen:
                continue  # Nats-Msg-Id deduplication
            self._seen.add(str(e.event_id))
            self._log.append(e)
            for changed in self._watchers:
                changed(e.job_id)
            for c in self._consumers.values():
                if e.type in c.spec.event_types:
                    c.pending.append(_Pending(e))
                    c.wakeup.set()

    async def watch_jobs(self, changed: Changed) -> JobChanges:
        self._watchers.append(changed)
        return _MemoryJobChanges(lambda: self._watchers.remove(changed))

    async def subscribe(self, spec: ConsumerSpec) -> Subscription:
        c = self._consumers.get(spec.name)
        if c is None:
            c = self._consumers[spec.name] = _Consumer(spec)
            c.pending.extend(_Pending(e) for e in self._log if e.type in spec.event_types)
        return _MemorySubscription(c)

    def unsettled(self, consumer: str) -> int:
        """Messages of the consumer not yet acked or terminated."""
        return sum(not i.settled for i in self._consumers[consumer].pending)

    def in_flight(self, consumer: str) -> int:
        """Messages delivered and neither settled nor past their ack wait."""
        c = self._consumers.get(consumer)
        now = time.monotonic()
        return sum(i.held and i.due > now for i in c.pending) if c else 0

    def terminated(self, consumer: str) -> list[RecordedEvent]:
        """Messages the consumer settled as never handleable (`term()`)."""
        return list(self._consumers[consumer].terminated)

    def inject(self, consumer: str, event: RecordedEvent) -> None:
        """Put a message on one consumer only, as a forged or misrouted publish would."""
        c = self._consumers[consumer]
        c.pending.append(_Pending(event))
        c.wakeup.set()

    async def exhausted(self, spec: ConsumerSpec) -> Subscription:
        await self.subscribe(spec)
        return _MemorySubscription(self._consumers[spec.name], exhausted=True)

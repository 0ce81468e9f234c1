"""A bus that counts publishes per event and takes its time (no dedup to hide doubles)."""

import asyncio
from collections import Counter
from collections.abc import Sequence
from uuid import UUID

from libs.events.envelope import RecordedEvent
from libs.events.memory_bus import MemoryBus


class CountingBus(MemoryBus):
    """The in-memory bus, counting every publish of every event id."""

    def __init__(self, delay_s: float = 0.05) -> None:
        super().__init__()
        self.delay_s = delay_s
        self.published: Counter[UUID] = Counter()

    async def publish(self, events: Sequence[RecordedEvent]) -> None:
        self.published.update(e.event_id for e in events)
        await asyncio.sleep(self.delay_s)
        await super().publish(events)

"""The outbox port in memory, over a `MemoryLog`."""

import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from libs.events.envelope import RecordedEvent
from libs.events.memory_log import MemoryLog


class MemoryOutbox:
    """Claims hide their events from other claims until they end, as row locks would."""

    def __init__(self, log: MemoryLog) -> None:
        self.log = log
        self._claimed: set[int] = set()

    @asynccontextmanager
    async def claim(
        self, older_than_s: float, limit: int = 500
    ) -> AsyncIterator[list[RecordedEvent]]:
        cutoff = time.monotonic() - older_than_s
        due = sorted(
            p for p, t in self.log.outbox.items() if t <= cutoff and p not in self._claimed
        )[:limit]
        self._claimed.update(due)
        try:
            yield [self.log.records[p - 1] for p in due]
            for p in due:
                self.log.outbox.pop(p, None)
        finally:
            self._claimed.difference_update(due)

    async def mark_published(self, positions: Sequence[int]) -> None:
        for p in positions:
            self.log.outbox.pop(p, None)

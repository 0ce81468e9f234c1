"""The stage runner's pre-checks, coalesced: concurrent deliveries share one read."""

import asyncio
from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from libs.events.commit import HandledKey
from libs.events.event_log import Precheck


class Prechecking(Protocol):
    """What can answer a pre-check (the log, or the store in front of it)."""

    async def precheck(self, event_ids: Sequence[UUID], keys: Sequence[HandledKey]) -> Precheck:
        """Which events are in the log; which keys were handled."""
        ...


_Waiting = tuple[UUID, Sequence[HandledKey], "asyncio.Future[tuple[bool, set[HandledKey]]]"]


class PrecheckBatcher:
    """While one read is under way, the pre-checks that arrive meanwhile wait and go in the
    next one: under load a stage asks once for many messages, at rest a lone message asks
    at once (no timer, no added latency)."""

    def __init__(self, source: Prechecking, max_batch: int = 256) -> None:
        self.source = source
        self.max_batch = max_batch
        self._queue: list[_Waiting] = []
        self._reader: asyncio.Task[None] | None = None

    async def check(
        self, event_id: UUID, keys: Sequence[HandledKey]
    ) -> tuple[bool, set[HandledKey]]:
        """Whether the event is in the log, and which of `keys` were handled."""
        future: asyncio.Future[tuple[bool, set[HandledKey]]]
        future = asyncio.get_running_loop().create_future()
        self._queue.append((event_id, keys, future))
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read())
        # Shielded: a caller that gives up must not cancel the read others wait on.
        return await asyncio.shield(future)

    async def _read(self) -> None:
        while self._queue:
            batch = self._queue[: self.max_batch]
            del self._queue[: self.max_batch]
            ids = list({event_id for event_id, _, _ in batch})
            keys = list({k for _, ks, _ in batch for k in ks})
            try:
                found = await self.source.precheck(ids, keys)
            except BaseException as exc:  # each caller decides (an outage is retried there)
                for *_, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                if isinstance(exc, asyncio.CancelledError):
                    raise
                continue
            for event_id, ks, future in batch:
                if not future.done():
                    future.set_result((event_id in found.committed, set(ks) & found.handled))

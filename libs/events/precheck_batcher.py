"""The stage runner's pre-checks, coalesced: concurrent deliveries share one read."""

from collections.abc import Sequence
from typing import Protocol
from uuid import UUID

from libs.events.coalescer import Coalescer
from libs.events.commit import HandledKey
from libs.events.event_log import Precheck


class Prechecking(Protocol):
    """What can answer a pre-check (the log, or the store in front of it)."""

    async def precheck(self, event_ids: Sequence[UUID], keys: Sequence[HandledKey]) -> Precheck:
        """Which events are in the log; which keys were handled."""
        ...


_Request = tuple[UUID, Sequence[HandledKey]]
# (in the log, its job cancelled, the keys handled already)
_Answer = tuple[bool, bool, set[HandledKey]]


class PrecheckBatcher:
    """Under load a stage asks once for many messages; at rest a lone message asks at once."""

    def __init__(self, source: Prechecking, max_batch: int = 256) -> None:
        self.source = source
        self._reads: Coalescer[_Request, _Answer] = Coalescer(self._read, max_batch)

    async def check(self, event_id: UUID, keys: Sequence[HandledKey]) -> _Answer:
        """Whether the event is in the log, whether its job was cancelled, and which of `keys`
        were handled."""
        return await self._reads.submit((event_id, keys))

    async def _read(self, requests: list[_Request]) -> list[_Answer | BaseException]:
        ids = list({event_id for event_id, _ in requests})
        keys = list({k for _, ks in requests for k in ks})
        found = await self.source.precheck(ids, keys)
        return [
            (event_id in found.committed, event_id in found.cancelled, set(ks) & found.handled)
            for event_id, ks in requests
        ]

"""The log port: append-only job streams, idempotency keys, and the batch that appends."""

from collections.abc import Collection, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol
from uuid import UUID

from libs.events.commit import HandledKey
from libs.events.envelope import RecordedEvent
from libs.events.job_view import JobView


@dataclass(frozen=True, slots=True)
class Precheck:
    """What a stage asks before it works on messages."""

    committed: frozenset[UUID]
    handled: frozenset[HandledKey]
    # Those of the committed events whose job was cancelled since: their work is not started.
    cancelled: frozenset[UUID] = frozenset()


class LogBatch(Protocol):
    """One append transaction: its jobs' views are locked and positions are reserved."""

    @property
    def views(self) -> Mapping[UUID, JobView]:
        """The current views of the batch's jobs that exist, locked until the batch ends."""
        ...

    @property
    def claimed(self) -> frozenset[HandledKey]:
        """The keys this batch claimed; a key already handled is not among them."""
        ...

    @property
    def last_position(self) -> int:
        """The log's last position; records written continue from it without gaps."""
        ...

    async def write(self, records: Sequence[RecordedEvent], views: Sequence[JobView]) -> None:
        """Append `records` (also to the outbox) and store `views`, when the batch commits."""
        ...


class EventLog(Protocol):
    """Where events are kept: streams, global order, handled keys."""

    def batch(
        self, job_ids: Collection[UUID], keys: Collection[HandledKey]
    ) -> AbstractAsyncContextManager[LogBatch]:
        """Claim `keys` and lock `job_ids`; commits on a clean exit, keeps nothing on error."""
        ...

    async def precheck(self, event_ids: Sequence[UUID], keys: Sequence[HandledKey]) -> Precheck:
        """In one read: which of these events are in the log (a message naming another is
        not ours), and which of these keys were handled already."""
        ...

    async def forget_handled(self, before: datetime) -> int:
        """Drop handled keys claimed before `before`; returns how many went."""
        ...

    async def read_stream(self, job_id: UUID) -> list[RecordedEvent]:
        """Every event of one job, in `seq` order."""
        ...

    async def read_all(self, after: int = 0, limit: int = 1000) -> list[RecordedEvent]:
        """Events in global order after a position."""
        ...

"""Looks into an outbox without taking anything out of it (for assertions)."""

from libs.events.envelope import RecordedEvent
from libs.events.outbox import Outbox


class _PutBack(Exception):
    def __init__(self, events: list[RecordedEvent]) -> None:
        self.events = events


async def pending(outbox: Outbox) -> list[RecordedEvent]:
    """Every event the outbox holds: claimed, then put back by ending the claim in error."""
    try:
        async with outbox.claim(older_than_s=0, limit=10_000) as events:
            raise _PutBack(events)
    except _PutBack as back:
        return back.events

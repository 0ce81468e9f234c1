"""The outbox port: committed events the bus has not confirmed yet."""

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from typing import Protocol

from libs.events.envelope import RecordedEvent


class Outbox(Protocol):
    """Committed events waiting for their publish."""

    def claim(
        self, older_than_s: float, limit: int = 500
    ) -> AbstractAsyncContextManager[list[RecordedEvent]]:
        """Unpublished events older than `older_than_s` that no other claim holds; a clean
        exit drops them from the outbox, an error leaves them for the next claim."""
        ...

    async def mark_published(self, positions: Sequence[int]) -> None:
        """Drop events from the outbox once the bus confirmed them."""
        ...

"""What a stage service is: `handle(event) -> new payloads`, and nothing about the plumbing."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from libs.events.catalogue import Payload
from libs.events.envelope import RecordedEvent


class PermanentError(Exception):
    """A failure that retrying cannot fix (bad input, unsupported language): fail at once."""


class Stage(ABC):
    """One step of the pipeline, consuming some event types through one durable consumer."""

    name: ClassVar[str]
    consumes: ClassVar[tuple[str, ...]]

    def work_items(self, event: RecordedEvent) -> Sequence[str]:
        """Independent pieces of work in one event (e.g. its languages); each is retried,
        committed and failed on its own. One item, "", by default."""
        return ("",)

    def language_of(self, event: RecordedEvent, item: str) -> str | None:
        """The language a failure of this item is about, if any."""
        return item or getattr(event.payload, "language", None)

    async def prepare(self, events: Sequence[RecordedEvent]) -> None:  # noqa: B027 - optional
        """Before a fetched batch is handled: read what its handlers share in one go (e.g.
        every job's view in one query). Optional; a failure here only costs the shortcut."""

    @abstractmethod
    async def handle(self, event: RecordedEvent, item: str) -> Sequence[Payload]:
        """Do the work for one item of one event; return the payloads to append."""

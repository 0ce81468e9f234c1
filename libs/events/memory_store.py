"""The event store in memory: the three in-memory adapters over one shared log."""

from libs.events.memory_job_views import MemoryJobViews
from libs.events.memory_log import MemoryLog
from libs.events.memory_outbox import MemoryOutbox
from libs.events.store import EventStore


class MemoryEventStore(EventStore):
    """An `EventStore` whose log, outbox and views live in this process."""

    def __init__(self) -> None:
        log = MemoryLog()
        super().__init__(log, MemoryOutbox(log), MemoryJobViews(log))

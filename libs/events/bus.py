"""The message bus interface every backend implements (JetStream, in-memory)."""

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol
from uuid import UUID

from libs.events.envelope import RecordedEvent


class Delivery(Protocol):
    """One delivery of an event to a consumer; settle it exactly once."""

    @property
    def event(self) -> RecordedEvent: ...

    @property
    def attempt(self) -> int:
        """How many times this message has been delivered, this time included."""
        ...

    async def ack(self) -> None: ...

    async def nak(self, delay: float) -> None: ...

    async def in_progress(self) -> None:
        """Reset the ack wait: the work is still going."""
        ...

    async def term(self) -> None:
        """Settle a message that can never be handled (not ours, malformed): no redelivery."""
        ...


class Subscription(Protocol):
    """A durable consumer's share of messages; replicas share one consumer."""

    async def fetch(self, batch: int, timeout: float) -> Sequence[Delivery]: ...

    async def keep_alive(self) -> None:
        """Reset the ack wait of messages taken from the bus but not handed out yet."""
        ...

    async def close(self) -> None: ...


class JobChanges(Protocol):
    """Word of the jobs whose events are being published, as they are (for caches of views)."""

    def epoch(self) -> int | None:
        """None while word can be missed (the bus is away); else a number that changes
        whenever some word may have been missed since it was last read."""
        ...

    async def close(self) -> None: ...


# Told the job of each event published: by this process at once, by others as it hears them.
Changed = Callable[[UUID], None]


@dataclass(frozen=True, slots=True)
class ConsumerSpec:
    """A durable consumer: its name, what it reads, and its redelivery limits."""

    name: str
    event_types: Sequence[str]
    max_deliver: int
    ack_wait_s: float


class Bus(ABC):
    """Carries committed events to the services that react to them."""

    @abstractmethod
    async def provision(self) -> None:
        """Create streams idempotently (safe for every process to call at start)."""

    @abstractmethod
    async def publish(self, events: Sequence[RecordedEvent]) -> None:
        """Publish and wait for the bus to confirm every event (duplicates dropped by id)."""

    @abstractmethod
    async def subscribe(self, spec: ConsumerSpec) -> Subscription:
        """Bind to (creating if needed) the durable consumer `spec` describes."""

    @abstractmethod
    async def exhausted(self, spec: ConsumerSpec) -> Subscription:
        """Messages of `spec`'s consumer that ran out of deliveries without being settled."""

    @abstractmethod
    async def watch_jobs(self, changed: Changed) -> JobChanges:
        """Call `changed(job_id)` for every event published from now on, by any process."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Drain and disconnect."""

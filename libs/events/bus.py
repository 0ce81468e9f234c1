"""The message bus interface every backend implements (JetStream, in-memory)."""

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

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

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Drain and disconnect."""

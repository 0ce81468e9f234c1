"""The envelope around a payload: identity, position in the log, and lineage."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import UUID, uuid4

from libs.events.catalogue import Payload


def utcnow() -> datetime:
    """Now, timezone-aware."""
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """An event about to be appended to a job's stream."""

    job_id: UUID
    payload: Payload
    correlation_id: UUID
    causation_id: UUID | None = None
    user_id: UUID | None = None
    event_id: UUID = field(default_factory=uuid4)
    occurred_at: datetime = field(default_factory=utcnow)

    def caused(self, payload: Payload) -> "NewEvent":
        """A follow-up event in the same job, caused by this one."""
        return caused_by(self, payload)


@dataclass(frozen=True, slots=True)
class RecordedEvent:
    """An event as committed to the log."""

    position: int
    event_id: UUID
    job_id: UUID
    seq: int
    payload: Payload
    correlation_id: UUID
    causation_id: UUID | None
    user_id: UUID | None
    occurred_at: datetime
    recorded_at: datetime

    @property
    def type(self) -> str:
        """The event type, e.g. `job.submitted`."""
        return self.payload.type

    def caused(self, payload: Payload) -> NewEvent:
        """A new event in the same job, caused by this one."""
        return caused_by(self, payload)


def caused_by(cause: NewEvent | RecordedEvent, payload: Payload) -> NewEvent:
    """A new event in the cause's job and correlation, naming the cause as its causation."""
    return NewEvent(
        job_id=cause.job_id,
        payload=payload,
        correlation_id=cause.correlation_id,
        causation_id=cause.event_id,
        user_id=cause.user_id,
    )

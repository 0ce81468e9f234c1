"""The envelope around a payload: identity, position in the log, and lineage."""

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from libs.events.catalogue import Payload
from libs.events.upcasting import decode_payload


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

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready form published on the bus."""
        return {
            "position": self.position,
            "event_id": str(self.event_id),
            "job_id": str(self.job_id),
            "seq": self.seq,
            "type": self.payload.type,
            "schema_version": self.payload.version,
            "payload": self.payload.model_dump(mode="json"),
            "correlation_id": str(self.correlation_id),
            "causation_id": str(self.causation_id) if self.causation_id else None,
            "user_id": str(self.user_id) if self.user_id else None,
            "occurred_at": self.occurred_at.isoformat(),
            "recorded_at": self.recorded_at.isoformat(),
        }

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "RecordedEvent":
        """Inverse of `to_wire`, upcasting the payload if it is an older version."""
        return cls(
            position=int(data["position"]),
            event_id=UUID(data["event_id"]),
            job_id=UUID(data["job_id"]),
            seq=int(data["seq"]),
            payload=decode_payload(data["type"], int(data["schema_version"]), data["payload"]),
            correlation_id=UUID(data["correlation_id"]),
            causation_id=UUID(data["causation_id"]) if data["causation_id"] else None,
            user_id=UUID(data["user_id"]) if data["user_id"] else None,
            occurred_at=datetime.fromisoformat(data["occurred_at"]),
            recorded_at=datetime.fromisoformat(data["recorded_at"]),
        )


def caused_by(cause: NewEvent | RecordedEvent, payload: Payload) -> NewEvent:
    """A new event in the cause's job and correlation, naming the cause as its causation."""
    return NewEvent(
        job_id=cause.job_id,
        payload=payload,
        correlation_id=cause.correlation_id,
        causation_id=cause.event_id,
        user_id=cause.user_id,
    )

"""Event <-> bytes on the bus: a JSON envelope around the payload.

Both directions run in pydantic-core (Rust): every event is encoded once and decoded by
each consumer, and the standard library's `json` plus `UUID()`/`fromisoformat` per field
cost several times as much on the stages' hot path.
"""

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_json

from libs.events.envelope import RecordedEvent
from libs.events.upcasting import decode_payload


class WireEnvelope(BaseModel):
    """The message body's shape; the payload stays raw until its version is known."""

    model_config = ConfigDict(frozen=True)

    position: int
    event_id: UUID
    job_id: UUID
    seq: int
    type: str
    schema_version: int
    payload: dict[str, Any]
    correlation_id: UUID
    causation_id: UUID | None
    user_id: UUID | None
    occurred_at: datetime
    recorded_at: datetime


def encode(event: RecordedEvent) -> bytes:
    """The message body for an event (UUIDs as strings, times as ISO 8601)."""
    return to_json(
        {
            "position": event.position,
            "event_id": event.event_id,
            "job_id": event.job_id,
            "seq": event.seq,
            "type": event.payload.type,
            "schema_version": event.payload.version,
            "payload": event.payload,
            "correlation_id": event.correlation_id,
            "causation_id": event.causation_id,
            "user_id": event.user_id,
            "occurred_at": event.occurred_at,
            "recorded_at": event.recorded_at,
        }
    )


def decode(data: bytes) -> RecordedEvent:
    """The event in a message body, its payload upcast if it is an older version."""
    w = WireEnvelope.model_validate_json(data)
    return RecordedEvent(
        position=w.position,
        event_id=w.event_id,
        job_id=w.job_id,
        seq=w.seq,
        payload=decode_payload(w.type, w.schema_version, w.payload),
        correlation_id=w.correlation_id,
        causation_id=w.causation_id,
        user_id=w.user_id,
        occurred_at=w.occurred_at,
        recorded_at=w.recorded_at,
    )


def subject_for(prefix: str, event_type: str) -> str:
    """`redub.job.submitted` for prefix `redub` and type `job.submitted`."""
    return f"{prefix}.{event_type}"

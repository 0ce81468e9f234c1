"""The one mapping of the event envelope to and from its stored and wire forms.

The bus (`wire.py`) and the PostgreSQL log (`postgres_log.py`) both go through it, so an
envelope field is added, renamed or upcast in one place.
"""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict
from pydantic_core import to_json

from libs.events.catalogue import CATALOGUE, Payload
from libs.events.envelope import RecordedEvent
from libs.events.upcasting import decode_payload

# The envelope's fields, in the order of the `job_events` columns that hold them.
ENVELOPE_FIELDS: tuple[str, ...] = (
    "position",
    "event_id",
    "job_id",
    "seq",
    "type",
    "schema_version",
    "payload",
    "causation_id",
    "correlation_id",
    "user_id",
    "occurred_at",
    "recorded_at",
)
EVENT_COLUMNS = ", ".join(ENVELOPE_FIELDS)


class Envelope(BaseModel):
    """An envelope as read back; the payload stays raw until its version is known."""

    model_config = ConfigDict(frozen=True)

    position: int
    event_id: UUID
    job_id: UUID
    seq: int
    type: str
    schema_version: int
    payload: dict[str, Any]
    causation_id: UUID | None
    correlation_id: UUID
    user_id: UUID | None
    occurred_at: datetime
    recorded_at: datetime


def to_envelope(event: RecordedEvent) -> dict[str, Any]:
    """The envelope's fields by name, the payload still a model (for one-pass `to_json`)."""
    return {
        "position": event.position,
        "event_id": event.event_id,
        "job_id": event.job_id,
        "seq": event.seq,
        "type": event.payload.type,
        "schema_version": event.payload.version,
        "payload": event.payload,
        "causation_id": event.causation_id,
        "correlation_id": event.correlation_id,
        "user_id": event.user_id,
        "occurred_at": event.occurred_at,
        "recorded_at": event.recorded_at,
    }


def payload_from_json(event_type: str, version: int, raw: str | bytes) -> Payload:
    """A stored payload's JSON as the current model, upcast if it is an older version."""
    model = CATALOGUE.get(event_type)
    if model is not None and version == model.version:  # the common case: one parse
        return model.model_validate_json(raw)
    return decode_payload(event_type, version, json.loads(raw))


def from_envelope(fields: Mapping[str, Any], payload: Payload) -> RecordedEvent:
    """The recorded event of envelope `fields` around an already decoded `payload`."""
    return RecordedEvent(
        position=fields["position"],
        event_id=fields["event_id"],
        job_id=fields["job_id"],
        seq=fields["seq"],
        payload=payload,
        correlation_id=fields["correlation_id"],
        causation_id=fields["causation_id"],
        user_id=fields["user_id"],
        occurred_at=fields["occurred_at"],
        recorded_at=fields["recorded_at"],
    )


def encode(event: RecordedEvent) -> bytes:
    """The event as one JSON object (UUIDs as strings, times as ISO 8601)."""
    return to_json(to_envelope(event))


def decode(data: str | bytes) -> RecordedEvent:
    """The event in a JSON object made by `encode`, its payload upcast if it is older."""
    e = Envelope.model_validate_json(data)
    payload = decode_payload(e.type, e.schema_version, e.payload)
    return from_envelope(e.__dict__, payload)


def events_document(events: Sequence[RecordedEvent]) -> str:
    """The events as one JSON array of envelopes (serialised in one pass)."""
    return to_json([to_envelope(e) for e in events]).decode()


def event_from_row(row: Mapping[str, Any]) -> RecordedEvent:
    """Decode one `job_events` row selected with `EVENT_COLUMNS` (jsonb arrives as text)."""
    payload = payload_from_json(row["type"], row["schema_version"], row["payload"])
    return from_envelope(row, payload)

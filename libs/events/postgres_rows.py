"""Row <-> event conversions for the PostgreSQL event store."""

import json
from collections.abc import Mapping, Sequence
from typing import Any

from libs.events.envelope import RecordedEvent
from libs.events.upcasting import decode_payload

EVENT_COLUMNS = (
    "position, event_id, job_id, seq, type, schema_version, payload, causation_id,"
    " correlation_id, user_id, occurred_at, recorded_at"
)


def row_to_event(row: Mapping[str, Any]) -> RecordedEvent:
    """Decode one `job_events` row, upcasting old payload versions."""
    return RecordedEvent(
        position=row["position"],
        event_id=row["event_id"],
        job_id=row["job_id"],
        seq=row["seq"],
        payload=decode_payload(row["type"], row["schema_version"], json.loads(row["payload"])),
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        user_id=row["user_id"],
        occurred_at=row["occurred_at"],
        recorded_at=row["recorded_at"],
    )


def events_to_columns(events: Sequence[RecordedEvent]) -> list[list[Any]]:
    """Column arrays for one `INSERT ... SELECT FROM unnest(...)` of many events."""
    return [
        [e.position for e in events],
        [e.event_id for e in events],
        [e.job_id for e in events],
        [e.seq for e in events],
        [e.payload.type for e in events],
        [e.payload.version for e in events],
        [e.payload.model_dump_json() for e in events],
        [e.causation_id for e in events],
        [e.correlation_id for e in events],
        [e.user_id for e in events],
        [e.occurred_at for e in events],
        [e.recorded_at for e in events],
    ]


INSERT_EVENTS = f"""
WITH inserted AS (
    INSERT INTO job_events ({EVENT_COLUMNS})
    SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::int[],
                         $7::jsonb[], $8::uuid[], $9::uuid[], $10::uuid[], $11::timestamptz[],
                         $12::timestamptz[])
    RETURNING position
)
INSERT INTO outbox (position) SELECT position FROM inserted
"""

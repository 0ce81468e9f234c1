"""Event <-> bytes on the bus."""

import json

from libs.events.envelope import RecordedEvent


def encode(event: RecordedEvent) -> bytes:
    """The message body for an event."""
    return json.dumps(event.to_wire(), separators=(",", ":")).encode()


def decode(data: bytes) -> RecordedEvent:
    """The event in a message body."""
    return RecordedEvent.from_wire(json.loads(data))


def subject_for(prefix: str, event_type: str) -> str:
    """`redub.job.submitted` for prefix `redub` and type `job.submitted`."""
    return f"{prefix}.{event_type}"

"""Event <-> bytes on the bus: the codec's JSON envelope, and subjects per event type."""

from libs.events.codec import decode, encode

__all__ = ["decode", "encode", "subject_for"]


def subject_for(prefix: str, event_type: str) -> str:
    """`redub.job.submitted` for prefix `redub` and type `job.submitted`."""
    return f"{prefix}.{event_type}"

"""Event <-> bytes on the bus: the codec's JSON envelope, and subjects per event type."""

from libs.events.codec import decode, encode

__all__ = ["decode", "encode", "subject_for", "word_subject"]


def subject_for(prefix: str, event_type: str) -> str:
    """`redub.job.submitted` for prefix `redub` and type `job.submitted`."""
    return f"{prefix}.{event_type}"


def word_subject(prefix: str) -> str:
    """Where the jobs of published events are named (`_jobs.redub`), apart from the events:
    a listener on the events' subjects would answer for a lost stream (no more "no
    responders"), so every publish to it would wait out its timeout."""
    return f"_jobs.{prefix}"

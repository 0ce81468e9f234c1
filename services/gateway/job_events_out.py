"""A job's events as clients see them: steps of progress, never keys or internal fields (pure)."""

from collections.abc import Sequence

from libs.events.envelope import RecordedEvent
from libs.events.job_view import JobView, evolve
from services.gateway.schemas import JobEventOut


def job_events_out(stream: Sequence[RecordedEvent]) -> list[JobEventOut]:
    """Each event of a job's stream (from its start, so statuses are right), in order."""
    view: JobView | None = None
    out = []
    for event in stream:
        view = evolve(view, event)
        p = event.payload
        out.append(
            JobEventOut(
                seq=event.seq,
                type=event.type,
                occurred_at=event.occurred_at,
                language=getattr(p, "language", None),
                stage=getattr(p, "stage", None),
                reason=getattr(p, "reason", None) if event.type != "deletion.requested" else None,
                status=view.status,
            )
        )
    return out

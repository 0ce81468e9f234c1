"""Which view rows a batch of events can have changed, so only those are rewritten (pure)."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from libs.events.catalogue import ArtifactsPurged, DubReady, JobSubmitted
from libs.events.envelope import RecordedEvent


@dataclass(slots=True)
class ViewChanges:
    """Task languages and artifact keys to rewrite for one job; None means all of them."""

    languages: set[str] | None = field(default_factory=set)
    artifacts: set[str] | None = field(default_factory=set)


def changes_of(events: Iterable[RecordedEvent]) -> dict[UUID, ViewChanges]:
    """The rows each job's events touch."""
    out: dict[UUID, ViewChanges] = {}
    for e in events:
        c = out.setdefault(e.job_id, ViewChanges())
        p = e.payload
        if isinstance(p, JobSubmitted):
            c.languages = None
        elif isinstance(p, ArtifactsPurged):
            c.artifacts = None
        elif isinstance(p, DubReady) and c.artifacts is not None:
            c.artifacts.update(a.blob.key for a in p.artifacts)
        language = getattr(p, "language", None)
        if language and c.languages is not None:
            c.languages.add(language)
    return out

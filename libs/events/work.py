"""One attempt at one work item of one event: what a stage handler is given."""

from dataclasses import dataclass
from uuid import UUID

from libs.events.envelope import RecordedEvent


@dataclass(frozen=True, slots=True)
class WorkItem:
    """The event, the item (e.g. a language, or "" for the whole event) and this attempt.

    `token` is unique to this attempt: blobs written under it are this attempt's own, so a
    duplicate or late worker never rewrites a blob that a committed event names.
    """

    event: RecordedEvent
    item: str
    attempt: int
    token: str

    @property
    def job_id(self) -> UUID:
        """The job the event belongs to."""
        return self.event.job_id

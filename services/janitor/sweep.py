"""The retention sweep: jobs finished longer ago than their retention get a deletion request."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from libs.events.catalogue import DeletionRequested
from libs.events.commit import Commit, HandledKey
from libs.events.envelope import NewEvent, RecordedEvent
from libs.events.job_view import JobView
from libs.events.store import EventStore

SWEEP_CONSUMER = "janitor-sweep"


@dataclass(frozen=True, slots=True)
class SweepResult:
    """Jobs found past retention, and the deletion requests this pass appended."""

    due: list[JobView]
    requested: list[RecordedEvent]


def past_retention(view: JobView, now: datetime) -> bool:
    """Whether a finished job has outlived its retention and was not yet deleted (pure)."""
    finished = view.completed_at or view.failed_at
    return (
        finished is not None
        and view.deletion_requested_at is None
        and finished + timedelta(hours=view.retention_hours) <= now
    )


async def sweep(store: EventStore, now: datetime, dry_run: bool = False) -> SweepResult:
    """Request deletion of every job past retention; with `dry_run`, only report them."""
    due = [v for v in await store.finished_jobs(before=now) if past_retention(v, now)]
    if dry_run or not due:
        return SweepResult(due, [])
    commits = [
        Commit(
            v.job_id,
            [
                NewEvent(
                    job_id=v.job_id,
                    payload=DeletionRequested(reason="retention"),
                    correlation_id=v.job_id,
                    user_id=v.user_id,
                )
            ],
            # One request per job, however many janitors sweep at once.
            handled=HandledKey(SWEEP_CONSUMER, str(v.job_id)),
        )
        for v in due
    ]
    results = await store.append(commits)
    return SweepResult(due, [e for r in results for e in r or ()])

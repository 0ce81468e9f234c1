"""The retention sweep: jobs finished longer ago than their retention get a deletion request."""

from dataclasses import dataclass
from datetime import datetime

from libs.events.catalogue import DeletionRequested
from libs.events.commit import Commit, HandledKey
from libs.events.envelope import NewEvent, RecordedEvent
from libs.events.job_log import JobLog
from libs.events.job_read_model import JobReadModel
from libs.events.job_view import JobView
from libs.events.retention import purgeable

SWEEP_CONSUMER = "janitor-sweep"


@dataclass(frozen=True, slots=True)
class SweepResult:
    """Jobs found past retention, and the deletion requests this pass appended."""

    due: list[JobView]
    requested: list[RecordedEvent]


async def sweep(
    views: JobReadModel, jobs: JobLog, now: datetime, dry_run: bool = False
) -> SweepResult:
    """Request deletion of every job past retention; with `dry_run`, only report them."""
    due = await views.jobs_past_retention(now)
    if dry_run or not due:
        return SweepResult(due, [])
    commits = [
        Commit(
            v.job_id,
            [
                NewEvent(
                    job_id=v.job_id,
                    payload=DeletionRequested(reason="retention", known=purgeable(v)),
                    correlation_id=v.job_id,
                    user_id=v.user_id,
                    occurred_at=now,  # the sweep's clock decides when to ask again
                )
            ],
            # One request per job and round, however many janitors sweep at once.
            handled=HandledKey(SWEEP_CONSUMER, f"{v.job_id}:{v.deletion_requests}"),
        )
        for v in due
    ]
    results = await jobs.append(commits)
    return SweepResult(due, [e for r in results for e in r or ()])

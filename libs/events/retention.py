"""When a job's blobs are due for deletion: the one definition of the retention rule."""

from datetime import datetime, timedelta

from libs.events.job_view import JobView

# A deletion request not followed by a purge within this is asked again (a janitor died).
DELETION_RETRY = timedelta(hours=1)


def purge_due_at(view: JobView) -> datetime | None:
    """When the job becomes due for deletion; None while it runs or once it is purged."""
    finished = view.completed_at or view.failed_at or view.cancelled_at
    if finished is None or view.purged_at is not None:
        return None
    due = finished + timedelta(hours=view.retention_hours)
    if view.deletion_requested_at is not None:
        due = max(due, view.deletion_requested_at + DELETION_RETRY)
    return due


def purgeable(view: JobView) -> dict[str, int]:
    """What a deletion request lists: the job's stems and its artifacts not yet purged."""
    # The stems went with a purge already done (`purged_at`); they are not reported twice.
    stems = (
        {} if view.purged_at else {s.blob.key: s.blob.size for s in (view.voice, view.background)}
    )
    return stems | {a.key: a.size for a in view.artifacts if a.purged_at is None}


def past_retention(view: JobView, now: datetime) -> bool:
    """Whether a finished, unpurged job has outlived its retention (and any recent request)."""
    due = purge_due_at(view)
    return due is not None and due <= now

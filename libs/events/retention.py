"""When a job's blobs are due for deletion: the one definition of the retention rule."""

from datetime import datetime, timedelta

from libs.events.job_view import JobView

# A deletion request not followed by a purge within this is asked again (a janitor died).
DELETION_RETRY = timedelta(hours=1)


def finished_at(view: JobView) -> datetime | None:
    """When the job completed, failed or was cancelled; None while it runs."""
    return view.completed_at or view.failed_at or view.cancelled_at


def purge_due_at(view: JobView) -> datetime | None:
    """When the job becomes due for deletion; None while it runs or once it is purged."""
    return due_at(
        finished_at(view), view.purged_at, view.retention_hours, view.deletion_requested_at
    )


def due_at(
    finished: datetime | None,
    purged: datetime | None,
    retention_hours: float,
    deletion_requested: datetime | None,
) -> datetime | None:
    """`purge_due_at` of a view's values (a replay folds views as plain values)."""
    if finished is None or purged is not None:
        return None
    due = finished + timedelta(hours=retention_hours)
    if deletion_requested is not None:
        due = max(due, deletion_requested + DELETION_RETRY)
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

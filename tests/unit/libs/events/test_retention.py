"""The retention rule: when a job's blobs are due for deletion."""

from datetime import timedelta
from uuid import uuid4

from libs.events.envelope import RecordedEvent, utcnow
from libs.events.job_view import evolve
from libs.events.retention import DELETION_RETRY, past_retention, purge_due_at
from tests.support.builders import USER, submitted


def test_only_finished_jobs_past_their_retention() -> None:
    now = utcnow()
    job = uuid4()
    first = RecordedEvent(1, uuid4(), job, 1, submitted(), job, None, USER, now, now)
    view = evolve(None, first)
    assert not past_retention(view, now + timedelta(hours=100)), "still running"
    view.completed_at = now
    assert not past_retention(view, now + timedelta(hours=47))
    assert past_retention(view, now + timedelta(hours=48))
    assert purge_due_at(view) == now + timedelta(hours=48)
    view.deletion_requested_at = now + timedelta(hours=48)
    assert not past_retention(view, now + timedelta(hours=48, minutes=30)), "just asked"
    assert past_retention(view, now + timedelta(hours=49)), "asked again if still not purged"
    view.purged_at = now + timedelta(hours=48, minutes=1)
    assert not past_retention(view, now + timedelta(hours=100))


def test_due_time_is_the_later_of_retention_and_a_retry_after_a_request() -> None:
    now = utcnow()
    job = uuid4()
    view = evolve(None, RecordedEvent(1, uuid4(), job, 1, submitted(), job, None, USER, now, now))
    assert purge_due_at(view) is None, "running jobs are never due"
    view.failed_at = now
    assert purge_due_at(view) == now + timedelta(hours=48), "failed jobs are kept as long"
    view.deletion_requested_at = now + timedelta(hours=100)
    assert purge_due_at(view) == now + timedelta(hours=100) + DELETION_RETRY
    # Delete-now asks before retention ran out: the request itself makes the purge, and
    # the sweep asks again only once retention ends.
    view.deletion_requested_at = now
    assert purge_due_at(view) == now + timedelta(hours=48)

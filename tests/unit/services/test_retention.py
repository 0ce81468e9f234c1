"""Which jobs the retention sweep picks."""

from datetime import timedelta
from uuid import uuid4

from libs.events.catalogue import StageFailed
from libs.events.envelope import RecordedEvent, utcnow
from libs.events.job_view import evolve, past_retention
from libs.events.memory_store import MemoryEventStore
from services.janitor.sweep import sweep
from tests.support.builders import USER, new_job, step, submitted


def test_only_finished_jobs_past_their_retention() -> None:
    now = utcnow()
    job = uuid4()
    first = RecordedEvent(1, uuid4(), job, 1, submitted(), job, None, USER, now, now)
    view = evolve(None, first)
    assert not past_retention(view, now + timedelta(hours=100)), "still running"
    view.completed_at = now
    assert not past_retention(view, now + timedelta(hours=47))
    assert past_retention(view, now + timedelta(hours=48))
    view.deletion_requested_at = now + timedelta(hours=48)
    assert not past_retention(view, now + timedelta(hours=48, minutes=30)), "just asked"
    assert past_retention(view, now + timedelta(hours=49)), "asked again if still not purged"
    view.purged_at = now + timedelta(hours=48, minutes=1)
    assert not past_retention(view, now + timedelta(hours=100))


async def test_sweep_requests_deletion_once_and_dry_run_writes_nothing() -> None:
    store = MemoryEventStore()
    job = new_job()
    await store.append([job])
    await store.append([step(job.job_id, StageFailed(stage="transcriber", reason="x", attempts=1))])
    later = utcnow() + timedelta(hours=49)
    dry = await sweep(store, later, dry_run=True)
    assert [v.job_id for v in dry.due] == [job.job_id] and dry.requested == []
    real = await sweep(store, later)
    assert [e.type for e in real.requested] == ["deletion.requested"]
    again = await sweep(store, later)
    assert again.due == [] and again.requested == []
    # The purge never happened (a janitor gave up): an hour later it is asked again, once.
    retry = await sweep(store, later + timedelta(hours=1, seconds=1))
    assert [e.type for e in retry.requested] == ["deletion.requested"]
    assert (await sweep(store, later + timedelta(hours=1, seconds=2))).requested == []

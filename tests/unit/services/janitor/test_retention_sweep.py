"""The retention sweep: one deletion request per job and round."""

from datetime import timedelta

from libs.events.catalogue import StageFailed
from libs.events.envelope import utcnow
from libs.events.memory_store import MemoryEventStore
from services.janitor.sweep import sweep
from tests.support.builders import new_job, step


async def test_sweep_requests_deletion_once_and_dry_run_writes_nothing() -> None:
    store = MemoryEventStore()
    job = new_job()
    await store.append([job])
    await store.append([step(job.job_id, StageFailed(stage="transcriber", reason="x", attempts=1))])
    later = utcnow() + timedelta(hours=49)
    dry = await sweep(store.views, store.jobs, later, dry_run=True)
    assert [v.job_id for v in dry.due] == [job.job_id] and dry.requested == []
    real = await sweep(store.views, store.jobs, later)
    assert [e.type for e in real.requested] == ["deletion.requested"]
    again = await sweep(store.views, store.jobs, later)
    assert again.due == [] and again.requested == []
    # The purge never happened (a janitor gave up): an hour later it is asked again, once.
    retry = await sweep(store.views, store.jobs, later + timedelta(hours=1, seconds=1))
    assert [e.type for e in retry.requested] == ["deletion.requested"]
    assert (
        await sweep(store.views, store.jobs, later + timedelta(hours=1, seconds=2))
    ).requested == []

"""One purge by hand on the in-memory store: dry run, purge, the stage's key, --older-than."""

from datetime import timedelta
from pathlib import Path
from uuid import UUID

from libs.events.catalogue import StageFailed
from libs.events.commit import HandledKey
from libs.events.envelope import utcnow
from libs.events.memory_log import MemoryLog
from libs.events.memory_store import MemoryEventStore
from libs.storage.keys import job_prefix
from services.janitor.memory_stem_ledger import MemoryStemLedger
from services.janitor.purge_run import PurgeLimits, run_purge
from tests.support.builders import new_job, step
from tests.support.stages import all_keys, blob_store

LIMITS = PurgeLimits(upload_retention=timedelta(hours=24), scratch_retention=timedelta(hours=6))


async def _failed_job(store: MemoryEventStore, retention_hours: float) -> UUID:
    job = new_job(retention_hours=retention_hours)
    await store.append([job])
    await store.append([step(job.job_id, StageFailed(stage="transcriber", reason="x", attempts=1))])
    return job.job_id


async def test_dry_run_lists_and_a_run_purges_under_the_stages_key(tmp_path: Path) -> None:
    store, blobs = MemoryEventStore(), blob_store(tmp_path / "blobs")
    assert isinstance(store.log, MemoryLog)
    stems = MemoryStemLedger(store.log)
    short, long = await _failed_job(store, 1), await _failed_job(store, 1000)
    for job in (short, long):
        await blobs.put_bytes(job_prefix(job) + "fr/mix.wav", b"m" * 70, "audio/wav")
    later = utcnow() + timedelta(hours=2)

    dry = await run_purge(store, blobs, stems, later, LIMITS, tmp_path / "scratch", dry_run=True)
    # The builders' jobs share their stems, which the long job still needs: only the mix.
    assert [(j.job_id, j.outcome, j.bytes) for j in dry.jobs] == [(short, "would purge", 70)]
    assert dry.appended == [] and await all_keys(blobs, job_prefix(short)) != set()

    done = await run_purge(store, blobs, stems, later, LIMITS, tmp_path / "scratch")
    assert [(j.job_id, j.outcome) for j in done.jobs] == [(short, "purged")]
    assert [e.type for e in done.appended] == ["deletion.requested", "artifacts.purged"]
    request = done.appended[0]
    key = HandledKey("janitor", f"{request.event_id}:")
    assert (await store.precheck([], [key])).handled == {key}, "the stage will skip it"
    assert await all_keys(blobs, job_prefix(short)) == set()
    assert await all_keys(blobs, job_prefix(long)) != set()

    again = await run_purge(store, blobs, stems, later, LIMITS, tmp_path / "scratch")
    assert again.jobs == [] and again.appended == []

    forced = LIMITS.__class__(LIMITS.upload_retention, LIMITS.scratch_retention, timedelta(0))
    over = await run_purge(store, blobs, stems, later, forced, tmp_path / "scratch")
    assert [(j.job_id, j.outcome, j.bytes) for j in over.jobs] == [(long, "purged", 270)]
    assert await all_keys(blobs, job_prefix(long)) == set()
